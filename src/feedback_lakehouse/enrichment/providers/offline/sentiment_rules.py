"""The offline provider's sentiment rules: the evidence of a text (VADER on its sentences
without names and politeness, the complaint and problem-report cues, emphasis as
written) and the label, score and intensity decided from it.

Pure functions of the text, `OfflineOptions` and a VADER analyzer; `rules.py` re-exports
them, as the provider and the self-training call them there.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from feedback_lakehouse.enrichment.providers.offline import cues
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_NO_SCORES = {"neg": 0.0, "neu": 1.0, "pos": 0.0, "compound": 0.0}


@dataclass(frozen=True)
class SentimentEvidence:
    """What the sentiment label is decided from (see `cues`)."""

    compounds: tuple[float, ...]  # VADER per sentence, names and politeness left out
    whole: float  # VADER compound of the whole text as scored
    complaints: int  # review-complaint cues ("returned it", "unfortunately")
    problems: tuple[str, ...]  # problem-report cues ("crashes", "never arrived")
    emphasis: tuple[int, int, int]  # emoji, "!!!" runs, CAPITALS words as written
    scores: dict[str, float]  # VADER's scores of the whole text as scored
    # the part of the mean sentence compound that positive questions give ("Do you
    # support SWIFT?"): not praise (`praise_score_of`)
    asked: float = 0.0


def evidence_of(
    text: str,
    vader: SentimentIntensityAnalyzer,
    *,
    label_only: bool = False,
    keep: bool = False,
) -> SentimentEvidence:
    """The sentiment evidence of one text: VADER on its sentences without handles,
    links, names and politeness formulae; the cues on its lower-cased text; emphasis
    from the text as written.

    `label_only`: the evidence `label_of` reads (sentence compounds, complaint and
    problem cues) and no more, for the aspect clauses (`aspects.py`): a text of several
    sentences is not scored by VADER as a whole (its `whole` is then the mean sentence
    compound and its `scores` the neutral ones) and emphasis is not counted; the label is
    the same, for one VADER pass fewer on the longest string.

    With the offline provider's analyzer (`lexicon.sentiment_analyzer`) a text's full
    evidence is computed once and kept (`_Vader.evidence_memo`): a first build reads it
    for the self-trained sentiment's pseudo-labels, the provider's self-trained label and
    its own sentiment; a `label_only` request reads it too (same compounds and cues).
    `keep`: a `label_only` result is kept as well (the category self-training's praise
    check, whose texts the provider reads in full later): a full request then adds the
    whole-text VADER pass and the emphasis to it instead of scoring the sentences and
    the cues again. The evidence returned may be shared: callers must not change its
    `scores`."""
    memo = getattr(vader, "evidence_memo", None)
    if memo is None:
        return _evidence_of(text, vader, label_only, _sentences_of(text))
    known = memo.get(text)
    if isinstance(known, SentimentEvidence):
        return known
    if isinstance(known, _LabelOnly):
        if label_only:
            return known.evidence
        evidence = _completed(text, vader, known)
    else:
        sentences = _sentences_of(text)
        evidence = _evidence_of(text, vader, label_only, sentences)
        if label_only:
            if keep:
                vader.remember_evidence(text, _LabelOnly(evidence, sentences))  # type: ignore[attr-defined]
            return evidence
    vader.remember_evidence(text, evidence)  # type: ignore[attr-defined]
    return evidence


@dataclass(frozen=True)
class _LabelOnly:
    """A kept `label_only` evidence and the sentences it was scored on (`_completed`)."""

    evidence: SentimentEvidence
    sentences: list[str]


def _sentences_of(text: str) -> list[str]:
    """The sentences VADER scores: split, then names and politeness left out (`cues`)."""
    return cues.for_scoring(text, [s for s in _SENTENCE_SPLIT.split(text) if s.strip()])


def _completed(text: str, vader: SentimentIntensityAnalyzer, kept: _LabelOnly) -> SentimentEvidence:
    """The full evidence from a kept `label_only` one: its sentence compounds and cues
    are the full evidence's (the same VADER calls and cue functions), so only what
    `label_only` leaves out is computed: the whole text's VADER scores when it has
    several sentences, and the emphasis."""
    partial, sentences = kept.evidence, kept.sentences
    if len(sentences) > 1:
        scores = vader.polarity_scores(" ".join(sentences))
        partial = dataclasses.replace(partial, whole=float(scores["compound"]), scores=scores)
    return dataclasses.replace(partial, emphasis=cues.emphasis_of(text))


def _evidence_of(
    text: str, vader: SentimentIntensityAnalyzer, label_only: bool, sentences: list[str]
) -> SentimentEvidence:
    """`evidence_of` computed (no memo) from the text's sentences (`_sentences_of`)."""
    if label_only and len(sentences) > 1:
        compounds = tuple(float(vader.polarity_scores(s)["compound"]) for s in sentences)
        low = cues.lowered(text)
        return SentimentEvidence(
            compounds=compounds,
            whole=sum(compounds) / len(compounds),
            complaints=cues.complaint_cues(low),
            problems=tuple(cues.problem_cues(low)),
            emphasis=(0, 0, 0),
            scores=dict(_NO_SCORES),
            asked=_asked(compounds, sentences),
        )
    scored = " ".join(sentences)
    scores = vader.polarity_scores(scored) if scored else dict(_NO_SCORES)
    whole = float(scores["compound"])
    if len(sentences) > 1:
        compounds = tuple(float(vader.polarity_scores(s)["compound"]) for s in sentences)
    else:
        compounds = (whole,)
    low = cues.lowered(text)
    return SentimentEvidence(
        compounds=compounds,
        whole=whole,
        complaints=cues.complaint_cues(low),
        problems=tuple(cues.problem_cues(low)),
        emphasis=(0, 0, 0) if label_only else cues.emphasis_of(text),
        scores=scores,
        asked=_asked(compounds, sentences),
    )


def _asked(compounds: tuple[float, ...], sentences: list[str]) -> float:
    """The share of the mean sentence compound that positive questions give (a sentence
    that ends in "?"): support queries ask about what the lexicon reads as praise ("Do
    you support SWIFT?", "Is my credit card accepted?", "How do I top up?")."""
    if len(compounds) != len(sentences):
        return 0.0
    asked = sum(
        c
        for c, s in zip(compounds, sentences, strict=True)
        if c > 0 and s.rstrip(" \"')").endswith("?")
    )
    return asked / len(compounds)


def score_of(evidence: SentimentEvidence, options: OfflineOptions) -> float:
    """The rules' sentiment score: the mean sentence compound minus `cue_weight` per
    complaint cue and `problem_weight` per problem-report cue (at most three of each)."""
    compounds = evidence.compounds
    return (
        sum(compounds) / len(compounds)
        - options.cue_weight * min(3, evidence.complaints)
        - options.problem_weight * min(3, len(evidence.problems))
    )


def praise_score_of(evidence: SentimentEvidence, options: OfflineOptions) -> float:
    """The score a text must have to be positive: `score_of` without what its positive
    questions give (`questions_not_praise`: "Do you support SWIFT?" asks, it does not
    praise). Negative decisions and the self-training's pseudo-labels read `score_of`."""
    score = score_of(evidence, options)
    return score - evidence.asked if options.questions_not_praise else score


def label_of(evidence: SentimentEvidence, options: OfflineOptions) -> str:
    """negative / positive / mixed / neutral from the evidence.

    The score is the mean sentence compound minus `cue_weight` per complaint cue and
    `problem_weight` per problem-report cue (at most three of each); a text with a
    problem report is never positive (`problem_never_positive`), nor one whose praise
    is only asked (`praise_score_of`).
    """
    compounds = evidence.compounds
    problems = min(3, len(evidence.problems))
    score = score_of(evidence, options)
    strong = options.mixed_sentence_strength
    if score <= options.negative_below:
        return "negative"
    if (
        score > options.positive_above
        and not (problems and options.problem_never_positive)
        and praise_score_of(evidence, options) > options.positive_above
    ):
        return "positive"
    if problems and options.problem_never_positive:
        return "negative"
    if max(compounds) >= strong and min(compounds) <= -strong:
        return "mixed"
    return "neutral"


def intensity_of(evidence: SentimentEvidence, options: OfflineOptions) -> float:
    """0..1: the whole text's |compound| (at least `problem_intensity` for a problem
    report), plus emphasis: per emoji, per "!!!" run, per word in CAPITALS."""
    base = abs(evidence.whole)
    if evidence.problems:
        base = max(base, options.problem_intensity)
    emoji, exclaimed, shouted = evidence.emphasis
    base += min(0.2, 0.1 * emoji) + min(0.2, 0.1 * exclaimed) + min(0.15, 0.05 * shouted)
    return round(min(1.0, base), 4)


def sentiment_of(
    text: str, options: OfflineOptions, vader: SentimentIntensityAnalyzer
) -> tuple[str, float, dict[str, float], SentimentEvidence]:
    """(label, intensity 0..1, VADER scores, evidence); see `OfflineProvider.sentiment`."""
    evidence = evidence_of(text, vader)
    label, intensity = label_of(evidence, options), intensity_of(evidence, options)
    return label, intensity, evidence.scores, evidence
