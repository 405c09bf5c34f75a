"""Self-trained sentiment: learn the corpus' own sentiment words from the texts the rules
are sure of (issue 18, part 2, for sentiment; `selftrain.py` does it for categories).

VADER's lexicon is general English: it does not know that "runs small", "see-through" or
"had to size up" are complaints in clothing reviews, nor that a feedback corpus has its
own vocabulary. No labels are needed to learn it: the offline rules' score
(`rules.score_of`: mean sentence compound less the complaint and problem cues) is far
from zero on many texts, and those are pseudo-labels (positive at or above
`sure_positive`, negative at or below `sure_negative`). A TF-IDF + logistic regression
(scikit-learn) learns positive against negative from them on the user's own corpus; each
text's label then comes from a blend of the model's `2 p(positive) - 1` and the rules'
score, pulled towards neutral when the text has a contrast word ("but", "however": three
stars are mixed), with a neutral band between `negative_below` and `positive_above`. The
rules keep the last word where they are certain: a problem report is never positive
(`OfflineOptions.problem_never_positive`). A text unlike the corpus the model learned from
(fewer than `min_known` of its words in the model's vocabulary) keeps the rules' label,
and its rationale says why (`decisions_of`): a model trained on a demo batch's support
texts read real clothing reviews at macro-F1 0.34 against the rules' 0.59.

A corpus mixes sources (support tickets, reviews, surveys), and a source that is mostly
praise would teach the model that its own words are praise: on 3,000 clothing reviews
mixed with 10,000 banking queries the model read the reviews worse than the rules alone
(half B macro-F1 0.526 against 0.563). So each source's pseudo-labels weigh alike: within
a source with at least `min_examples` of each side, positives and negatives weigh half
the source each (0.565 there; 3,000 + 3,000 reviews and queries 0.552 -> 0.577); the other
texts are balanced together, and a corpus of one source gets the model it got before.

Praise needs a positive word the rules read (`praise_needs_evidence`): the model may make
a text negative the lexicon reads as neutral, but positive only when the rules' score is
above 0. On support queries (banking77) it learned topic words from the rules' sure
texts and read 39.8% of the information queries as praise (the rules 21.3%; 18.8% with
the guard; `scripts/measure_sentiment.py banking77`). The guard reads the rules' praise
score (`rules.praise_score_of`): what a text's questions give ("Do you support SWIFT?")
is no praise either (6.9% with `OfflineOptions.questions_not_praise`).

Settings chosen on half A of the clothing reviews (docs/quality-history.md). The
model's identity (name, settings hash and training-set hash) is part of the enrichment
key, as for the category self-training. The rows it learned from carry
`SENTIMENT_EXAMPLE_MARK <label>` in their rationale, so a later run rebuilds the same
model from the stored rows (`from_examples`, `selftrain_dbt.stored_sentiment_model`)
instead of scoring the whole corpus again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from feedback_lakehouse.enrichment import word_tokens
from feedback_lakehouse.enrichment.providers.offline import rules
from feedback_lakehouse.enrichment.providers.offline.lexicon import tokens_of
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions

SENTIMENT_SELFTRAIN_NAME = "selftrain-sentiment-1"
# English contrast words: a text with one weighs two sides (the category rules' clause
# cut, `aspects.CONTRAST_WORDS`, also reads other languages; the lexicon is English)
CONTRAST = frozenset({"but", "however", "although", "though", "yet", "except", "whereas"})
# rationale note of a row the model learned from: "<mark> positive" / "<mark> negative"
SENTIMENT_EXAMPLE_MARK = "sentiment pseudo-label:"
_EXAMPLE_NOTE = re.compile(re.escape(SENTIMENT_EXAMPLE_MARK) + r" (positive|negative)\b")


class SentimentSelfTrainSettings(BaseModel):
    """What shapes the self-trained sentiment; part of its identity. Chosen on half A of
    the clothing reviews (`scripts/measure_sentiment.py clothing --selftrain`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sure_positive: float = 0.3  # rules' score at or above: a positive pseudo-label
    sure_negative: float = -0.1  # at or below: a negative pseudo-label
    sample: int = 50000  # at most this many texts (the first by text hash) are used
    min_examples: int = 30  # fewer pseudo-labels of either side: no model, rules only
    c: float = 4.0  # the logistic regression's inverse regularisation
    min_df: int = 2  # a word (or word pair) must be in two texts to be learned
    model_weight: float = 0.7  # the model's share of the blended score (rules: the rest)
    contrast_shrink: float = 0.3  # a text with a contrast word moves this far towards 0
    negative_below: float = -0.45  # blended score at or below: negative
    positive_above: float = 0.15  # above: positive; between: neutral
    # a text with a smaller share of its words in the model's vocabulary is unlike the
    # corpus it learned from: the rules' label (chosen on seed 7 and clothing half A)
    min_known: float = 0.85
    # praise needs a positive word the rules read: the model may find complaints the
    # lexicon misses, but it does not make a text positive whose rules' score is not above
    # 0 (the corpus' topic words made support questions praise: README "Self-trained
    # sentiment")
    praise_needs_evidence: bool = True


@dataclass(frozen=True)
class ScoredText:
    """A text with the rules' sentiment evidence (`rules.evidence_of`)."""

    text_hash: str
    text: str
    evidence: rules.SentimentEvidence
    group: str = ""  # the text's source: each source's pseudo-labels weigh alike


def pseudo_labels(
    texts: Iterable[ScoredText], options: OfflineOptions, settings: SentimentSelfTrainSettings
) -> list[tuple[str, str, int, str]]:
    """(text_hash, text, 1 positive / 0 negative, group) of the texts the rules are sure
    of, among the first `sample` distinct non-blank texts by hash."""
    distinct = {t.text_hash: t for t in texts if t.text and t.text.strip()}
    examples: list[tuple[str, str, int, str]] = []
    for text_hash in sorted(distinct)[: settings.sample]:
        t = distinct[text_hash]
        score = rules.score_of(t.evidence, options)
        if score >= settings.sure_positive:
            examples.append((text_hash, t.text, 1, t.group))
        elif score <= settings.sure_negative:
            examples.append((text_hash, t.text, 0, t.group))
    return examples


def source_weights(labels: Sequence[int], groups: Sequence[str], least: int) -> np.ndarray | None:
    """Per pseudo-label, its weight so that each source weighs its two sides alike: in a
    group with at least `least` of each side, each side weighs half the group; the other
    texts are balanced together. None when no group holds more than one source's texts
    apart (one source, or none balanced on its own): then the classifier's own balance."""
    y = np.asarray(labels)
    names = np.asarray(groups, dtype=object)
    sides = {
        g: (((names == g) & (y == 0)).sum(), ((names == g) & (y == 1)).sum()) for g in set(groups)
    }
    own = sorted(g for g, counts in sides.items() if min(counts) >= least)
    if len(sides) < 2 or not own:
        return None
    weights = np.zeros(len(y))
    rest = ~np.isin(names, own)
    for members in [names == g for g in own] + [rest]:
        for side in (0, 1):
            picked = members & (y == side)
            if picked.any():
                weights[picked] = members.sum() / (2 * picked.sum())
    return weights


def has_contrast(text: str) -> bool:
    """Whether the text has an English contrast word ("but", "however", ...)."""
    return not CONTRAST.isdisjoint(tokens_of(text))


class SelfTrainedSentiment:
    """Positive-against-negative learned from the rules' sure texts of one corpus."""

    def __init__(
        self,
        texts: Iterable[ScoredText] = (),
        options: OfflineOptions | None = None,
        settings: SentimentSelfTrainSettings | None = None,
        *,
        examples: Sequence[tuple[str, str, int, str]] | None = None,
    ) -> None:
        """Trained on the rules' sure `texts` (`pseudo_labels`), or on stored `examples`
        ((text_hash, text, 1 positive / 0 negative, group), as `from_rationales` reads them)."""
        self.settings = settings or SentimentSelfTrainSettings()
        self.options = options or OfflineOptions()
        if examples is None:
            examples = pseudo_labels(texts, self.options, self.settings)
        examples = sorted({h: (h, t, int(y), g or "") for h, t, y, g in examples}.values())
        self.labels = {h: ("positive" if y else "negative") for h, _, y, _ in examples}
        ys = [y for _, _, y, _ in examples]
        groups = [g for *_, g in examples]
        weights = source_weights(ys, groups, self.settings.min_examples)
        payload = {
            "selftrain": SENTIMENT_SELFTRAIN_NAME,
            "settings": self.settings.model_dump(),
            "options": self.options.rules_payload(""),
            # the sources enter the identity only when they weigh the examples
            "examples": [[h, y] if weights is None else [h, y, g] for h, _, y, g in examples],
        }
        raw = json.dumps(payload, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
        self.fingerprint = hashlib.sha256(raw.encode("utf-8")).hexdigest()
        self.pipeline: Pipeline | None = None
        positives = sum(ys)
        negatives = len(examples) - positives
        if min(positives, negatives) < self.settings.min_examples:
            self.reason = (
                f"{positives} positive and {negatives} negative pseudo-labels: fewer than "
                f"{self.settings.min_examples} of one side, rules only"
            )
            return
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=self.settings.min_df)
        balance = "balanced" if weights is None else None  # else the sources' weights
        classifier = LogisticRegression(
            C=self.settings.c, class_weight=balance, max_iter=1000, random_state=0
        )
        self.pipeline = Pipeline([("words", words), ("classifier", classifier)])
        fit = {} if weights is None else {"classifier__sample_weight": weights}
        self.pipeline.fit([t for _, t, _, _ in examples], ys, **fit)
        self.reason = f"trained on {positives} positive and {negatives} negative pseudo-labels"
        if weights is not None:
            self.reason += f", each of {len(set(groups))} sources weighed alike"

    @classmethod
    def from_rationales(
        cls,
        rows: Iterable[tuple[str, str, str | None, str | None]],
        options: OfflineOptions | None = None,
        settings: SentimentSelfTrainSettings | None = None,
    ) -> SelfTrainedSentiment:
        """The model rebuilt from stored rows (text_hash, text, rationale, source): those
        whose rationale carries `SENTIMENT_EXAMPLE_MARK` are its training set, with their
        label and source."""
        examples = []
        for text_hash, text, rationale, group in rows:
            found = _EXAMPLE_NOTE.search(rationale or "")
            if found and text and text.strip():
                label = int(found.group(1) == "positive")
                examples.append((text_hash, text, label, group or ""))
        return cls(options=options, settings=settings, examples=examples)

    def example_note(self, text_hash: str) -> str | None:
        """The rationale note of a text this model learned from (None for any other): what
        a later run rebuilds the model from."""
        label = self.labels.get(text_hash)
        return None if label is None else f"{SENTIMENT_EXAMPLE_MARK} {label}"

    @property
    def is_trained(self) -> bool:
        return self.pipeline is not None

    @property
    def identity(self) -> str:
        """Short name for provenance: name, training-set size and hash."""
        return f"{SENTIMENT_SELFTRAIN_NAME}-n{len(self.labels)}-{self.fingerprint[:10]}"

    def blended(self, texts: Sequence[ScoredText]) -> list[float]:
        """Each text's blended score (see the module docstring); the rules' score alone
        without a model."""
        s = self.settings
        scores = np.array([rules.score_of(t.evidence, self.options) for t in texts])
        if self.pipeline is not None and texts:
            # = pipeline.predict_proba, reading a batch's shared tokens (`word_tokens`)
            vectorizer = self.pipeline.named_steps["words"]
            words = word_tokens.transform(vectorizer, [t.text for t in texts])
            positive = self.pipeline.named_steps["classifier"].predict_proba(words)[:, 1]
            scores = s.model_weight * (2 * positive - 1) + (1 - s.model_weight) * scores
        shrink = np.array([s.contrast_shrink * has_contrast(t.text) for t in texts])
        scores = scores - shrink * np.sign(scores) * np.minimum(np.abs(scores), 1.0)
        return [float(x) for x in scores]

    def known_shares(self, texts: Sequence[str]) -> list[float]:
        """Per text, the share of its words (the model's own tokens) in the model's
        vocabulary; 0 for a text without words or without a model."""
        if self.pipeline is None:
            return [0.0] * len(texts)
        words: TfidfVectorizer = self.pipeline.named_steps["words"]
        preprocess, tokenize = words.build_preprocessor(), words.build_tokenizer()
        if word_tokens.reads_default_tokens(words):  # a batch's shared tokens, if any
            tokenize, preprocess = word_tokens.tokens, str
        vocabulary = words.vocabulary_
        shares = []
        for text in texts:
            tokens = tokenize(preprocess(text))
            known = sum(token in vocabulary for token in tokens)
            shares.append(known / len(tokens) if tokens else 0.0)
        return shares

    def decisions_of(self, texts: Sequence[ScoredText]) -> list[tuple[str, str | None]]:
        """(label, note) per text, in one batch. The label: negative / neutral / positive
        from the blended score, a problem report never positive (the rules' word where
        they are certain); the rules' own label (`rules.label_of`, which may be mixed)
        without a model, or for a text unlike the corpus the model learned from (fewer
        than `min_known` of its words known: a model trained on complaint-heavy support
        texts misreads clothing reviews), with a note saying so for the rationale."""
        if self.pipeline is None:
            return [(rules.label_of(t.evidence, self.options), None) for t in texts]
        s = self.settings
        shares = self.known_shares([t.text for t in texts])
        known = [i for i, share in enumerate(shares) if share >= s.min_known]
        blended = dict(zip(known, self.blended([texts[i] for i in known]), strict=True))
        never = self.options.problem_never_positive
        out: list[tuple[str, str | None]] = []
        for i, t in enumerate(texts):
            score = blended.get(i)
            if score is None:
                note = (
                    f"sentiment model: not used ({shares[i]:.1%} of words known, "
                    f"< {s.min_known:.0%})"
                )
                out.append((rules.label_of(t.evidence, self.options), note))
            elif (t.evidence.problems and never) or score <= s.negative_below:
                out.append(("negative", None))
            elif score > s.positive_above and (
                not s.praise_needs_evidence or rules.praise_score_of(t.evidence, self.options) > 0
            ):
                out.append(("positive", None))
            else:
                out.append(("neutral", None))
        return out

    def labels_of(self, texts: Sequence[ScoredText]) -> list[str]:
        """The label of each text (`decisions_of`)."""
        return [label for label, _ in self.decisions_of(texts)]
