"""Self-training: learn the user's own language from the texts the taxonomy's rules are sure of.

No labels needed. The offline keyword rules label every text; those whose rule confidence
(evidence and margin over the runner-up, `rules.choose`) reaches `min_confidence` become
pseudo-labels. A local model (the learner's TF-IDF + logistic regression) learns from
them on the user's own corpus (every language the taxonomy has keywords in: one model,
its word n-grams read any language) and labels the texts the rules are not sure of. The
taxonomy's example sentences (every language's) are labelled rows of every fit too
(`taxonomy_examples`): a category the rules are never sure of in the corpus is still one
the model knows. The rules keep the last word where they are certain: a text at or above
`min_confidence` is never relabelled.

Confidence (`_fit`, `posterior`): the rules' confidence is calibrated (see
docs/quality-history.md), and a cross-fitted model (one that did not see the text) agrees with a
rule label more often when that label is right. How much more is read off the pseudo-labels:
agreement = q0 + (q1 - q0) x rule confidence (least squares), q1 the agreement with right
labels, q0 with wrong ones. Bayes then gives the probability that a rule label is right
given its confidence and whether the model agrees: a text the rules are sure of gets it
(the rules' label stands, its confidence moves), and the model's own label gets its top
probability mapped by isotonic regression on the cross-fitted pseudo-labels, with target
agreement x that probability. Agreement with a pseudo-label is not being right:
calibrating on agreement alone (the first version, Platt scaling on held-out
pseudo-labels) over-stated confidence (banking77 ECE 0.346), because pseudo-labels are
easy texts and a third of them are wrong.

Identity: like the learner's, the model's name carries a hash of its settings and its
training set (`identity`); the offline provider puts it in its `model`, so it is part of
the enrichment key and the prompt version. A row that was a training example says so at
the start of its rationale (`EXAMPLE_MARK <category> (rules <confidence>)`: the row's own
confidence is the posterior, the rules' is kept beside it), so a later run can rebuild the
same model from the stored table alone (`selftrain_dbt.py`) and enrich only new texts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline

from feedback_lakehouse.contracts import UNKNOWN_CATEGORY
from feedback_lakehouse.enrichment import word_tokens
from feedback_lakehouse.enrichment.learner import Prediction
from feedback_lakehouse.enrichment.providers.offline import rules
from feedback_lakehouse.enrichment.providers.offline.lexicon import (
    sentiment_analyzer,
    tokens_of,
)
from feedback_lakehouse.enrichment.providers.offline.matcher import compiled_for
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions
from feedback_lakehouse.enrichment.taxonomy import BASE_LANGUAGE, Taxonomy

log = logging.getLogger(__name__)

# 2: every language with rules, cross-fitted confidence; 3: balanced classes, confidence
# from the rules' and the model's agreement (`posterior`); 4: the taxonomy's examples as
# labelled rows, English stop words (docs/quality-history.md)
SELFTRAIN_NAME = "selftrain-4"
# the end of a rationale's first note when no taxonomy keyword matched and the category is
# the model's (the provider then records the signal `contracts.NO_TAXONOMY_WORDS`)
GUESS_MARK = "(no taxonomy keyword)"
EXAMPLE_MARK = "self-training example:"  # rationale prefix of a row the model learned from


class SelfTrainSettings(BaseModel):
    """What shapes the self-trained model; part of its identity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_confidence: float = 0.4  # rules at or above: pseudo-label, and the rules' word stands
    sample: int = 20000  # at most this many texts (the first by text hash) are rule-labelled
    max_per_class: int = 150  # at most this many pseudo-labels per category
    calibration_folds: int = 3  # cross-fitting folds of the confidence calibration
    min_examples: int = 30  # fewer pseudo-labels than this: no model, rules only
    c: float = 10.0  # the logistic regression's inverse regularisation
    # "balanced": each category weighs the same in the fit, however few pseudo-labels it
    # has (banking77 half A accuracy 0.308 -> 0.342, docs/quality-history.md); None: as counted
    class_weight: str | None = "balanced"
    # open set: a text the rules found nothing in keeps `unknown` when the model's calibrated
    # probability is below this (a theme outside the taxonomy must reach the other/unknown
    # bucket topic discovery reads). Seed 7: self-trained labels under 0.1 were right 27% of
    # the time, 41-56% from 0.1 to 0.3 (docs/quality-history.md)
    min_label_probability: float = 0.1
    # the taxonomy's example sentences join every fit as labelled rows (banking77 half A
    # 0.336 -> 0.384, seed 7 English 68.8% -> 72.9%: docs/quality-history.md)
    use_taxonomy_examples: bool = True
    # words that are no features: scikit-learn's English list ("it", "was", "and": how a
    # category's pseudo-labels happen to read, not what they are about; banking77 half A
    # 0.384 -> 0.394, seed 7 English 72.9% -> 73.0%, review share 41.9% -> 33.3%). Other
    # languages have no list here; their function words stay features (docs/quality-history.md)
    stop_words: Literal["english"] | None = "english"


@dataclass(frozen=True)
class PseudoLabel:
    text_hash: str
    text: str
    category: str
    confidence: float = 1.0  # the rules' confidence in `category` (stored as the row's)


def rule_choice(
    text: str, taxonomy: Taxonomy, options: OfflineOptions, key: str, language: str | None = None
) -> rules.Choice:
    """The keyword rules' category decision for one text, as the provider makes it (in
    the text's language's keywords; English for a language the taxonomy has none in).

    The sentiment only matters when a positive-only category (praise) scored: only then
    is VADER run, and for the label alone (`rules.evidence_of` label_only: the sentences,
    not the whole text again), so labelling a sample costs a fraction of enriching it."""
    rules_language = taxonomy.rules_language(language) or BASE_LANGUAGE
    compiled = compiled_for(key, taxonomy, options.phrase_bonus, rules_language)
    tokens = compiled.tokens_for(tokens_of(text))
    result = rules.score(tokens, "positive", compiled, options)
    if any(cid in result.scores for cid in options.positive_only_categories):
        evidence = rules.evidence_of(text, sentiment_analyzer(), label_only=True, keep=True)
        sentiment = rules.label_of(evidence, options)
        result = rules.score(tokens, sentiment, compiled, options, result.found)
    return rules.choose(result, taxonomy, options)


def pseudo_labels(
    items: Iterable[tuple[str, str, str | None]],
    taxonomy: Taxonomy,
    options: OfflineOptions,
    key: str,
    settings: SelfTrainSettings,
) -> list[PseudoLabel]:
    """The rule labels at or above `min_confidence` among the first `sample` texts in a
    language the rules read (by text hash: a fixed, content-independent sample), at most
    `max_per_class` each."""
    distinct = {
        h: (t, lang)
        for h, t, lang in items
        if t and t.strip() and taxonomy.rules_language(lang) is not None
    }
    readable = sorted(distinct.items())[: settings.sample]
    # a build's rule pass keeps each text's keyword scores for the provider that labels
    # the batch next (`rules.score`): it starts from none, so they are this batch's
    rules.reset_score_memo()
    per_class: dict[str, int] = {}
    out: list[PseudoLabel] = []
    for text_hash, (text, language) in readable:
        choice = rule_choice(text, taxonomy, options, key, language)
        if choice.main == UNKNOWN_CATEGORY or choice.confidence < settings.min_confidence:
            continue
        if per_class.get(choice.main, 0) >= settings.max_per_class:
            continue
        per_class[choice.main] = per_class.get(choice.main, 0) + 1
        out.append(PseudoLabel(text_hash, text, choice.main, choice.confidence))
    return out


def taxonomy_examples(taxonomy: Taxonomy) -> tuple[tuple[str, str], ...]:
    """(category, sentence) of every example the taxonomy gives, in every language, once
    each and sorted: labelled rows a user wrote, so the model learns them as written."""
    found = {
        (cid, text.strip())
        for cid, category in taxonomy.categories.items()
        for text in (
            *category.examples,
            *(e for _, examples in category.translations.values() for e in examples),
        )
        if text.strip()
    }
    return tuple(sorted(found))


def _pipeline(settings: SelfTrainSettings) -> Pipeline:
    """The learner's TF-IDF + logistic regression, on word 1-2 grams only and fitted by
    saga: it labels every text of a batch, and the learner's character n-grams and lbfgs
    made training and labelling 20k reviews 10x slower (docs/quality-history.md)."""
    words = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, min_df=1, stop_words=settings.stop_words
    )
    # tol 1e-3 (saga's default 1e-4): a fit is 2.4x cheaper (10k clothing reviews, 827
    # pseudo-labels: 0.16 s against 0.39 CPU s) and 99.5% of the labels are the same;
    # the calibration fits the model once per fold too
    classifier = LogisticRegression(
        C=settings.c,
        solver="saga",
        max_iter=1000,
        tol=1e-3,
        random_state=0,
        class_weight=settings.class_weight,
    )
    return Pipeline([("words", words), ("classifier", classifier)])


class SelfTrainedModel:
    """A category classifier learned from pseudo-labels, with calibrated confidence."""

    def __init__(
        self,
        examples: Iterable[PseudoLabel],
        settings: SelfTrainSettings | None = None,
        taxonomy: Taxonomy | None = None,
    ) -> None:
        self.settings = settings or SelfTrainSettings()
        by_hash = {e.text_hash: e for e in examples}
        ordered = [by_hash[h] for h in sorted(by_hash)]
        self.labels = {e.text_hash: e.category for e in ordered}
        # the taxonomy's examples: labelled rows of every fit, never held out (`_train`)
        self.taxonomy_examples = (
            taxonomy_examples(taxonomy)
            if taxonomy is not None and self.settings.use_taxonomy_examples
            else ()
        )
        payload = {
            "selftrain": SELFTRAIN_NAME,
            "settings": self.settings.model_dump(),
            "taxonomy_examples": [list(e) for e in self.taxonomy_examples],
            # the rules' confidence calibrates the model (`_fit`): a rebuild from stored
            # rows that lost it is another model, not a silently different calibration
            "examples": [[e.text_hash, e.category, round(e.confidence, 4)] for e in ordered],
        }
        raw = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
        self.fingerprint = hashlib.sha256(raw.encode("utf-8")).hexdigest()
        self.pipeline = None
        self.calibrator: IsotonicRegression | None = None
        # how often a cross-fitted model agrees with a right / a wrong rule label
        self.q1, self.q0 = 1.0, 0.0
        self.agrees: dict[str, bool] = {}  # training example -> the cross-fitted model agrees
        self.reason = self._fit(ordered)

    def _fit(self, ordered: Sequence[PseudoLabel]) -> str:
        """Fit on every pseudo-label; calibrate on cross-fitted predictions of them."""
        classes = {e.category for e in ordered}
        if len(ordered) < self.settings.min_examples or len(classes) < 2:
            return (
                f"{len(ordered)} pseudo-labels in {len(classes)} categories: fewer than "
                f"{self.settings.min_examples} or one category, rules only"
            )
        texts = [e.text for e in ordered]
        targets = np.array([e.category for e in ordered])
        self.pipeline = self._train(texts, targets)
        top, agree = self._cross_fitted(texts, targets)
        self.agrees = {e.text_hash: bool(a) for e, a in zip(ordered, agree, strict=True)}
        # the rules' confidence is calibrated (docs/quality-history.md): with the agreement
        # it says how likely each pseudo-label is right; the model is right where it
        # agrees with a right one
        confidence = np.array([min(1.0, max(0.0, e.confidence)) for e in ordered])
        self.q1, self.q0 = agreement_rates(confidence, agree)
        right = np.array([self.posterior(c, True) for c in confidence])
        self.calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
            top, agree * right
        )
        return (
            f"trained on {len(ordered)}; cross-fitted agreement {agree.mean():.0%} "
            f"(with right labels {self.q1:.2f}, wrong {self.q0:.2f}), pseudo-labels "
            f"right {float(np.mean(np.where(agree, right, 0.0))):.2f} at least"
        )

    def _train(self, texts: list[str], targets: np.ndarray) -> Pipeline:
        """A pipeline fitted on these pseudo-labels and the taxonomy's examples."""
        extra = self.taxonomy_examples
        return _pipeline(self.settings).fit(
            texts + [text for _, text in extra],
            np.concatenate([targets, np.array([cid for cid, _ in extra])]) if extra else targets,
        )

    def posterior(self, confidence: float, agrees: bool) -> float:
        """The probability that a rule label of this (calibrated) confidence is right when
        the model agrees with it, or when it does not (Bayes with `q1`, `q0`)."""
        c = min(1.0, max(0.0, confidence))
        q1, q0 = (self.q1, self.q0) if agrees else (1.0 - self.q1, 1.0 - self.q0)
        evidence = c * q1 + (1.0 - c) * q0
        return c if evidence <= 0.0 else c * q1 / evidence

    def _cross_fitted(self, texts: list[str], targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Top probability and agreement with the rule label of each pseudo-label, from a
        model fitted without it (`calibration_folds` folds; a fold's unseen category
        counts as a disagreement, as a text of a category the model lacks would be)."""
        folds = KFold(max(2, self.settings.calibration_folds), shuffle=True, random_state=0)
        top = np.zeros(len(texts))
        agree = np.zeros(len(texts), dtype=bool)
        for fit, held in folds.split(texts):
            if len(set(targets[fit])) < 2:
                continue  # no model from one category: those texts count as disagreements
            fold = self._train([texts[i] for i in fit], targets[fit])
            proba = fold.predict_proba([texts[i] for i in held])
            top[held] = proba.max(axis=1)
            agree[held] = fold.classes_[proba.argmax(axis=1)] == targets[held]
        return top, agree

    @property
    def is_trained(self) -> bool:
        return self.pipeline is not None

    @property
    def identity(self) -> str:
        """Short name for provenance: name, criterion, training-set size and hash."""
        return (
            f"{SELFTRAIN_NAME}-c{self.settings.min_confidence:g}-n{len(self.labels)}-"
            f"{self.fingerprint[:10]}"
        )

    def predict(self, texts: Sequence[str]) -> list[RankedPrediction]:
        """The best category per text and its calibrated probability of being right: how
        often the model agrees with a right rule label at that probability (the isotonic
        value, which `decide` compares), and the same without the isotonic steps (the
        confidence a label of the model's carries, `ranked_calibration`); each with the
        model's second label as its `runner_up`."""
        if self.pipeline is None or not texts:
            return []
        # = pipeline.predict_proba, reading a batch's shared tokens (`word_tokens.shared`)
        words = word_tokens.transform(self.pipeline.named_steps["words"], texts)
        proba = self.pipeline.named_steps["classifier"].predict_proba(words)
        classes = self.pipeline.classes_
        rows = np.arange(len(proba))
        best = proba.argmax(axis=1)
        # the runner-up: what the text is when its best label is ruled out (the provider
        # rules out praise for a text the rules read negative); its probability through
        # the same calibration, fitted on best labels (an estimate, not measured)
        seconds: list[RankedPrediction | None] = [None] * len(rows)
        if proba.shape[1] > 1:
            rest = proba.copy()
            rest[rows, best] = -1.0
            second = rest.argmax(axis=1)
            seconds = list(self._ranked(classes, second, proba[rows, second], seconds))
        return self._ranked(classes, best, proba.max(axis=1), seconds)

    def _ranked(
        self,
        classes: np.ndarray,
        index: np.ndarray,
        top: np.ndarray,
        runners_up: Sequence[RankedPrediction | None],
    ) -> list[RankedPrediction]:
        """The predictions of `classes[index]` at raw probability `top`, calibrated."""
        ranked = top
        if self.calibrator is not None:
            ranked = ranked_calibration(self.calibrator, top)
            top = self.calibrator.predict(top)
        return [
            RankedPrediction(str(classes[i]), round(float(p), 4), round(float(r), 4), second)
            for i, p, r, second in zip(index, top, ranked, runners_up, strict=True)
        ]

    def decide(
        self, choice: rules.Choice, trained: Prediction | None, text_hash: str, max_secondary: int
    ) -> tuple[rules.Choice, str | None]:
        """The category after self-training, and the note that starts the rationale.

        A training example keeps its rules' label (it is one they were sure of) and a
        text the rules are sure of keeps theirs, the confidence raised or lowered by
        whether the model (for an example, the cross-fitted one) agrees (`posterior`);
        the note keeps an example's rule confidence for the rebuild. Otherwise the model
        wins when the rules found nothing or it is surer than they are, and where both
        name the same category the agreement counts for it too."""
        if text_hash in self.labels:
            note = f"{EXAMPLE_MARK} {self.labels[text_hash]} (rules {choice.confidence:.4f})"
            if self.is_trained:
                sure = self.posterior(choice.confidence, self.agrees.get(text_hash, False))
                choice = dataclasses.replace(choice, confidence=round(sure, 4))
            return choice, note
        if trained is None:
            return choice, None
        agrees = trained.label == choice.main
        if choice.main != UNKNOWN_CATEGORY and choice.confidence >= self.settings.min_confidence:
            sure = round(self.posterior(choice.confidence, agrees), 4)
            return dataclasses.replace(choice, confidence=sure), None
        # the confidence the model's label carries: ranked inside the isotonic steps (a
        # review threshold can cut between two texts of one step); decisions take the step
        shown = getattr(trained, "ranked", trained.probability)
        if agrees:
            rules_side = self.posterior(choice.confidence, True)
            both = max(trained.probability, rules_side)
            shown = max(shown, rules_side)
            trained = Prediction(trained.label, round(both, 4))
        note = f"self-trained {trained.label} {trained.probability:.2f}"
        if choice.main != UNKNOWN_CATEGORY and trained.probability <= choice.confidence:
            return choice, note + " (rules kept)"
        floor = self.settings.min_label_probability
        if choice.main == UNKNOWN_CATEGORY and trained.probability < floor:
            return choice, note + f" (below {floor:g}: left unknown)"
        if choice.main == UNKNOWN_CATEGORY:
            note += f" {GUESS_MARK}"
        secondary = [
            cid
            for cid in ([choice.main] if choice.main != UNKNOWN_CATEGORY else []) + choice.secondary
            if cid != trained.label
        ][:max_secondary]
        return (
            rules.Choice(
                trained.label,
                secondary,
                round(float(shown), 4),
                choice.ranked,
                choice.best_id,
                choice.best,
            ),
            note,
        )


# the most a flat step of the isotonic calibration is tilted (`ranked_calibration`)
RANK_SPREAD = 0.02


@dataclass(frozen=True)
class RankedPrediction(Prediction):
    """A self-trained prediction: `probability` the isotonic value, `ranked` the same
    without its flat steps (`ranked_calibration`)."""

    ranked: float = 0.0
    runner_up: RankedPrediction | None = None  # the model's second label


def ranked_calibration(
    calibrator: IsotonicRegression, top: np.ndarray, spread: float = RANK_SPREAD
) -> np.ndarray:
    """The isotonic map of `top` with its flat steps tilted: inside a step the value rises
    from its level minus half a width to its level plus half (the width at most `spread`
    and at most the gap to each neighbouring step, so the order across steps holds), so
    texts the model is surer of rank higher inside a step (a review threshold can cut
    between them; a step holds hundreds of texts at one value) while each step stays
    within `spread` of its calibrated level."""
    xs = np.asarray(calibrator.X_thresholds_, dtype=float)
    ys = np.asarray(calibrator.y_thresholds_, dtype=float)
    if len(xs) < 2:
        return calibrator.predict(top)
    starts = np.flatnonzero(np.r_[True, np.diff(ys) != 0])
    ends = np.r_[starts[1:], len(ys)] - 1
    levels = ys[starts]
    below = np.r_[levels[0] - 0.0, np.diff(levels)]  # gap to the step below (or to 0)
    above = np.r_[np.diff(levels), 1.0 - levels[-1]]  # gap to the step above (or to 1)
    width = np.minimum(spread, np.minimum(below, above))
    width = np.where(starts == ends, 0.0, width)  # a single point has nothing to order
    knots_x = np.ravel(np.column_stack([xs[starts], xs[ends]]))
    knots_y = np.ravel(np.column_stack([levels - width / 2, levels + width / 2]))
    keep = np.r_[True, np.diff(knots_x) > 0]
    return np.interp(top, knots_x[keep], knots_y[keep])


def agreement_rates(confidence: np.ndarray, agree: np.ndarray) -> tuple[float, float]:
    """(q1, q0): how often a cross-fitted model agrees with a right and with a wrong rule
    label, from agreement = q0 + (q1 - q0) x confidence fitted by least squares over the
    pseudo-labels (their confidence calibrated); one confidence for all says nothing
    about the difference: q1 = q0 = the agreement."""
    agreed = agree.astype(float)
    if len(confidence) < 2 or float(np.ptp(confidence)) < 1e-6:
        rate = float(agreed.mean()) if len(agreed) else 0.0
        return rate, rate
    slope, intercept = np.polyfit(confidence, agreed, 1)
    q0 = min(1.0, max(0.0, float(intercept)))
    q1 = min(1.0, max(q0, float(intercept + slope)))
    return q1, q0


_EXAMPLE_NOTE = re.compile(r"\s*(\S+) \(rules ([0-9]*\.?[0-9]+)\)\s*$")


def example_of_rationale(text_hash: str, text: str, rationale: str | None) -> PseudoLabel | None:
    """The training example a stored row's rationale names, with the rules' confidence
    it keeps; None when it is not one (or names no rule confidence: not this model's)."""
    if not rationale or not rationale.startswith(EXAMPLE_MARK):
        return None
    found = _EXAMPLE_NOTE.match(rationale[len(EXAMPLE_MARK) :].split(";", 1)[0])
    if found is None:
        return None
    value = float(found.group(2))
    return PseudoLabel(text_hash, text, found.group(1), value if math.isfinite(value) else -1.0)
