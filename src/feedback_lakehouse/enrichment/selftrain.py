"""Self-training: learn the user's own language from the texts the taxonomy's rules are sure of.

No labels needed. The offline keyword rules label every text; those whose rule confidence
(evidence and margin over the runner-up, `rules.choose`) reaches `min_confidence` become
pseudo-labels. A local model (the learner's TF-IDF + logistic regression) learns from
them on the user's own corpus (every language the taxonomy has keywords in: one model,
its word n-grams read any language) and labels the texts the rules are not sure of. The
rules keep the last word where they are certain: a text at or above `min_confidence` is
never relabelled.

Confidence (`_fit`): the model's top probability, mapped by isotonic regression fitted on
cross-fitted predictions of the pseudo-labels (how often a model that did not see a text
agrees with its rule label), times the pseudo-labels' estimated precision (the mean rule
confidence of them: the rules' confidence is itself calibrated, README "Self-training").
Agreement with a pseudo-label is not being right: calibrating on agreement alone (the
first version, Platt scaling on held-out pseudo-labels) over-stated confidence (banking77
ECE 0.346), because pseudo-labels are easy texts and a third of them are wrong.

Identity: like the learner's, the model's name carries a hash of its settings and its
training set (`identity`); the offline provider puts it in its `model`, so it is part of
the enrichment key and the prompt version. A row that was a training example says so at
the start of its rationale (`EXAMPLE_MARK <category>`), so a later run can rebuild the
same model from the stored table alone (`dbt_selftrain.py`) and enrich only new texts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline

from feedback_lakehouse.contracts import UNKNOWN_CATEGORY
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

SELFTRAIN_NAME = "selftrain-2"  # 2: every language with rules, cross-fitted confidence
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
    is VADER run, so labelling a sample costs a fraction of enriching it."""
    rules_language = taxonomy.rules_language(language) or BASE_LANGUAGE
    compiled = compiled_for(key, taxonomy, options.phrase_bonus, rules_language)
    tokens = compiled.tokens_for(tokens_of(text))
    found = compiled.matcher.find(tokens)
    result = rules.score(tokens, "positive", compiled, options, found)
    if any(cid in result.scores for cid in options.positive_only_categories):
        sentiment = rules.sentiment_of(text, options, sentiment_analyzer())[0]
        result = rules.score(tokens, sentiment, compiled, options, found)
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


def _pipeline(settings: SelfTrainSettings) -> Pipeline:
    """The learner's TF-IDF + logistic regression, on word 1-2 grams only and fitted by
    saga: it labels every text of a batch, and the learner's character n-grams and lbfgs
    made training and labelling 20k reviews 10x slower (README "Self-training")."""
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    # tol 1e-3 (saga's default 1e-4): a fit is 2.4x cheaper (10k clothing reviews, 827
    # pseudo-labels: 0.16 s against 0.39 CPU s) and 99.5% of the labels are the same;
    # the calibration fits the model once per fold too
    classifier = LogisticRegression(
        C=settings.c, solver="saga", max_iter=1000, tol=1e-3, random_state=0
    )
    return Pipeline([("words", words), ("classifier", classifier)])


class SelfTrainedModel:
    """A category classifier learned from pseudo-labels, with calibrated confidence."""

    def __init__(
        self, examples: Iterable[PseudoLabel], settings: SelfTrainSettings | None = None
    ) -> None:
        self.settings = settings or SelfTrainSettings()
        by_hash = {e.text_hash: e for e in examples}
        ordered = [by_hash[h] for h in sorted(by_hash)]
        self.labels = {e.text_hash: e.category for e in ordered}
        payload = {
            "selftrain": SELFTRAIN_NAME,
            "settings": self.settings.model_dump(),
            # the rules' confidence calibrates the model (`_fit`): a rebuild from stored
            # rows that lost it is another model, not a silently different calibration
            "examples": [[e.text_hash, e.category, round(e.confidence, 4)] for e in ordered],
        }
        raw = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
        self.fingerprint = hashlib.sha256(raw.encode("utf-8")).hexdigest()
        self.pipeline = None
        self.calibrator: IsotonicRegression | None = None
        self.precision = 1.0  # the pseudo-labels' estimated precision
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
        pipeline = _pipeline(self.settings).fit(texts, targets)
        self.pipeline = pipeline
        # the rules' confidence is calibrated (README "Self-training"): their mean over the
        # pseudo-labels estimates how many of them are right
        self.precision = float(np.mean([min(1.0, max(0.0, e.confidence)) for e in ordered]))
        top, agree = self._cross_fitted(texts, targets)
        self.calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
            top, agree.astype(float)
        )
        return (
            f"trained on {len(ordered)}; cross-fitted agreement {agree.mean():.0%}, "
            f"pseudo-label precision estimated {self.precision:.2f}"
        )

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
            fold = _pipeline(self.settings).fit([texts[i] for i in fit], targets[fit])
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

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """The best category per text and its calibrated probability of being right: how
        often the model agrees with a rule label at that probability, times how often a
        rule label is right."""
        if self.pipeline is None or not texts:
            return []
        proba = self.pipeline.predict_proba(list(texts))
        best = proba.argmax(axis=1)
        top = proba.max(axis=1)
        if self.calibrator is not None:
            top = self.calibrator.predict(top) * self.precision
        classes = self.pipeline.classes_
        return [
            Prediction(str(classes[i]), round(float(p), 4)) for i, p in zip(best, top, strict=True)
        ]

    def decide(
        self, choice: rules.Choice, trained: Prediction | None, text_hash: str, max_secondary: int
    ) -> tuple[rules.Choice, str | None]:
        """The category after self-training, and the note that starts the rationale.

        A training example keeps its rules' label (it is one they were sure of); a text
        the rules are sure of keeps theirs; otherwise the model wins when the rules found
        nothing or it is surer than they are."""
        if text_hash in self.labels:
            return choice, f"{EXAMPLE_MARK} {self.labels[text_hash]}"
        certain = (
            choice.main != UNKNOWN_CATEGORY and choice.confidence >= self.settings.min_confidence
        )
        if certain or trained is None:
            return choice, None
        note = f"self-trained {trained.label} {trained.probability:.2f}"
        if choice.main != UNKNOWN_CATEGORY and trained.probability <= choice.confidence:
            return choice, note + " (rules kept)"
        secondary = [
            cid
            for cid in ([choice.main] if choice.main != UNKNOWN_CATEGORY else []) + choice.secondary
            if cid != trained.label
        ][:max_secondary]
        return (
            rules.Choice(
                trained.label,
                secondary,
                trained.probability,
                choice.ranked,
                choice.best_id,
                choice.best,
            ),
            note,
        )


def example_of_rationale(
    text_hash: str, text: str, rationale: str | None, confidence: float | None = None
) -> PseudoLabel | None:
    """The training example a stored row's rationale names (its confidence is the rules'),
    None when it is not one."""
    if not rationale or not rationale.startswith(EXAMPLE_MARK):
        return None
    label = rationale[len(EXAMPLE_MARK) :].split(";", 1)[0].strip()
    if not label:
        return None
    value = float("nan") if confidence is None else float(confidence)
    return PseudoLabel(text_hash, text, label, value if math.isfinite(value) else -1.0)
