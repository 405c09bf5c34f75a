"""Self-training: learn the user's own language from the texts the taxonomy's rules are sure of.

No labels needed. The offline keyword rules label every text; those whose rule confidence
(evidence and margin over the runner-up, `rules.choose`) reaches `min_confidence` become
pseudo-labels. A local model (the learner's TF-IDF + logistic regression) learns from
them on the user's own corpus and labels the texts the rules are not sure of, with a
confidence calibrated by Platt scaling (scikit-learn's logistic regression on the top
probability) against a held-out part of the pseudo-labels. The rules keep the last word
where they are certain: a text at or above `min_confidence` is never relabelled.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
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
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

log = logging.getLogger(__name__)

SELFTRAIN_NAME = "selftrain-1"
EXAMPLE_MARK = "self-training example:"  # rationale prefix of a row the model learned from


class SelfTrainSettings(BaseModel):
    """What shapes the self-trained model; part of its identity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_confidence: float = 0.3  # rules at or above: pseudo-label, and the rules' word stands
    sample: int = 20000  # at most this many texts (the first by text hash) are rule-labelled
    max_per_class: int = 150  # at most this many pseudo-labels per category
    calibration_every: int = 5  # every n-th pseudo-label is held out for the calibration
    min_examples: int = 30  # fewer pseudo-labels than this: no model, rules only
    c: float = 10.0  # the logistic regression's inverse regularisation


@dataclass(frozen=True)
class PseudoLabel:
    text_hash: str
    text: str
    category: str


def english(language: str | None) -> bool:
    """The texts the offline rules read (as `OfflineProvider._has_rules`)."""
    lang = (language or "").strip().lower()
    return not lang or lang == "en" or lang.startswith("en-")


def rule_choice(text: str, taxonomy: Taxonomy, options: OfflineOptions, key: str) -> rules.Choice:
    """The keyword rules' category decision for one text, as the provider makes it.

    The sentiment only matters when a positive-only category (praise) scored: only then
    is VADER run, so labelling a sample costs a fraction of enriching it."""
    compiled = compiled_for(key, taxonomy, options.phrase_bonus)
    tokens = tokens_of(text)
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
    """The rule labels at or above `min_confidence` among the first `sample` readable texts
    (by text hash: a fixed, content-independent sample), at most `max_per_class` each."""
    distinct = {h: t for h, t, lang in items if t and t.strip() and english(lang)}
    readable = sorted(distinct.items())[: settings.sample]
    per_class: dict[str, int] = {}
    out: list[PseudoLabel] = []
    for text_hash, text in readable:
        choice = rule_choice(text, taxonomy, options, key)
        if choice.main == UNKNOWN_CATEGORY or choice.confidence < settings.min_confidence:
            continue
        if per_class.get(choice.main, 0) >= settings.max_per_class:
            continue
        per_class[choice.main] = per_class.get(choice.main, 0) + 1
        out.append(PseudoLabel(text_hash, text, choice.main))
    return out


def _pipeline(settings: SelfTrainSettings) -> Pipeline:
    """The learner's TF-IDF + logistic regression, on word 1-2 grams only and fitted by
    saga: it labels every text of a batch, and the learner's character n-grams and lbfgs
    made training and labelling 20k reviews 10x slower (README "Self-training")."""
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    classifier = LogisticRegression(C=settings.c, solver="saga", max_iter=1000, random_state=0)
    return Pipeline([("words", words), ("classifier", classifier)])


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p)).reshape(-1, 1)


class SelfTrainedModel:
    """A category classifier learned from pseudo-labels, with Platt-scaled confidence."""

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
            "examples": [[e.text_hash, e.category] for e in ordered],
        }
        raw = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
        self.fingerprint = hashlib.sha256(raw.encode("utf-8")).hexdigest()
        self.pipeline = None
        self.calibrator: LogisticRegression | None = None
        self.reason = self._fit(ordered)

    def _fit(self, ordered: Sequence[PseudoLabel]) -> str:
        """Fit on all but every `calibration_every`-th example, calibrate on those."""
        every = max(2, self.settings.calibration_every)
        held = [e for i, e in enumerate(ordered) if i % every == 0]
        fit = [e for i, e in enumerate(ordered) if i % every != 0]
        classes = {e.category for e in fit}
        if len(ordered) < self.settings.min_examples or len(classes) < 2:
            return (
                f"{len(ordered)} pseudo-labels in {len(classes)} categories: fewer than "
                f"{self.settings.min_examples} or one category, rules only"
            )
        pipeline = _pipeline(self.settings)
        pipeline.fit([e.text for e in fit], [e.category for e in fit])
        self.pipeline = pipeline
        proba = pipeline.predict_proba([e.text for e in held])
        top = proba.max(axis=1)
        right = pipeline.classes_[proba.argmax(axis=1)] == np.array([e.category for e in held])
        if right.all() or not right.any():
            # Platt scaling needs both outcomes; the raw probability stands (said in the log)
            return f"calibration set of {len(held)} all {'right' if right.all() else 'wrong'}"
        self.calibrator = LogisticRegression(C=1e4).fit(_logit(top), right.astype(int))
        return f"trained on {len(fit)}, calibrated on {len(held)} ({right.mean():.0%} right)"

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
        """The best category per text and its calibrated probability of being right."""
        if self.pipeline is None or not texts:
            return []
        proba = self.pipeline.predict_proba(list(texts))
        best = proba.argmax(axis=1)
        top = proba.max(axis=1)
        if self.calibrator is not None:
            top = self.calibrator.predict_proba(_logit(top))[:, 1]
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


def example_of_rationale(text_hash: str, text: str, rationale: str | None) -> PseudoLabel | None:
    """The training example a stored row's rationale names, None when it is not one."""
    if not rationale or not rationale.startswith(EXAMPLE_MARK):
        return None
    label = rationale[len(EXAMPLE_MARK) :].split(";", 1)[0].strip()
    return PseudoLabel(text_hash, text, label) if label else None
