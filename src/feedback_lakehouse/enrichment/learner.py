"""Learning from people: a local text classifier trained on review decisions and gold labels.

TF-IDF features (word 1-2 grams plus character 2-5 grams inside word boundaries) and a
multinomial logistic regression, from scikit-learn. Deterministic (fixed solver and
random state, sorted training set), no network, trains on ten thousand short texts in
seconds. The offline provider uses it beside its keyword rules (see
`providers.offline.provider.OfflineProvider`), and the cascade provider uses its confidence to
decide which texts still need an LLM.

The model's identity is a hash of its training set and settings (`fingerprint`): it goes
into the offline provider's `model` name, so the enrichment key changes whenever the
decisions or gold labels it learned from change, and every text is enriched again by
the new model (the old rows stay in the incremental table).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

LEARNER_NAME = "tfidf-logreg-1"


class LearnerSettings(BaseModel):
    """What shapes the learned model; part of its fingerprint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_examples: int = 20  # fewer labelled texts than this: no model
    min_per_class: int = 2  # a label seen fewer times is left out
    c: float = 10.0  # inverse regularisation strength
    max_iter: int = 2000


class Example(BaseModel):
    """One labelled text: a review decision or a gold label (either label may be missing)."""

    model_config = ConfigDict(extra="forbid")

    text: str
    category: str | None = None
    sentiment: str | None = None


@dataclass(frozen=True)
class Prediction:
    label: str
    probability: float


def _pipeline(settings: LearnerSettings) -> Pipeline:
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
                ),
            ),
        ]
    )
    classifier = LogisticRegression(C=settings.c, max_iter=settings.max_iter, random_state=0)
    return Pipeline([("features", features), ("classifier", classifier)])


class _Head:
    """One classifier (category or sentiment) over the texts that carry its label."""

    def __init__(self, texts: list[str], labels: list[str], settings: LearnerSettings) -> None:
        counts = pd.Series(labels).value_counts()
        keep = set(counts[counts >= settings.min_per_class].index)
        pairs = [(t, label) for t, label in zip(texts, labels, strict=True) if label in keep]
        self.pipeline: Pipeline | None = None
        self.labels = sorted(keep)
        self.size = len(pairs)
        if len(keep) < 2 or len(pairs) < settings.min_examples:
            return
        self.pipeline = _pipeline(settings)
        self.pipeline.fit([t for t, _ in pairs], [label for _, label in pairs])

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if self.pipeline is None or not texts:
            return []
        proba = self.pipeline.predict_proba(list(texts))
        classes = self.pipeline.classes_
        best = np.argmax(proba, axis=1)
        return [
            Prediction(str(classes[i]), round(float(proba[row, i]), 4))
            for row, i in enumerate(best)
        ]


class LearnedModel:
    """Category and sentiment classifiers learned from labelled texts."""

    def __init__(self, examples: Iterable[Example], settings: LearnerSettings | None = None):
        self.settings = settings or LearnerSettings()
        # one label per distinct text (the last one given wins), in a fixed order
        by_text: dict[str, Example] = {}
        for example in examples:
            text = (example.text or "").strip()
            if text:
                by_text[text] = example
        ordered = [by_text[t] for t in sorted(by_text)]
        self.examples = ordered
        cat = [(e.text.strip(), e.category) for e in ordered if e.category]
        sen = [(e.text.strip(), e.sentiment) for e in ordered if e.sentiment]
        self.category = _Head([t for t, _ in cat], [c for _, c in cat], self.settings)
        self.sentiment = _Head([t for t, _ in sen], [s for _, s in sen], self.settings)
        payload = {
            "learner": LEARNER_NAME,
            "settings": self.settings.model_dump(),
            "examples": [[e.text.strip(), e.category, e.sentiment] for e in ordered],
        }
        raw = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
        self.fingerprint = hashlib.sha256(raw.encode("utf-8")).hexdigest()

    @property
    def is_trained(self) -> bool:
        return self.category.pipeline is not None or self.sentiment.pipeline is not None

    @property
    def identity(self) -> str:
        """Short name for provenance: learner, training-set size and hash."""
        return f"{LEARNER_NAME}-n{len(self.examples)}-{self.fingerprint[:10]}"

    def predict_categories(self, texts: Sequence[str]) -> list[Prediction]:
        return self.category.predict(texts)

    def predict_sentiments(self, texts: Sequence[str]) -> list[Prediction]:
        return self.sentiment.predict(texts)


def examples_from_frames(
    decisions: pd.DataFrame | None,
    texts: pd.DataFrame | None,
    gold: pd.DataFrame | None = None,
    allowed_categories: Iterable[str] | None = None,
) -> list[Example]:
    """Training examples from the review loop and gold labels.

    `decisions`: `int_review_decisions__latest` (feedback_id, corrected_category,
    corrected_sentiment); `texts`: `int_feedback__canonical` (feedback_id, masked_text);
    `gold`: `int_gold_labels` (feedback_id, category_id, gold_sentiment, split); only its
    `train` rows are learned from, the others are kept for evaluation. Categories outside
    `allowed_categories` (the taxonomy in force) and `unknown` are not learned.
    """
    if texts is None or texts.empty:
        return []
    allowed = set(allowed_categories) if allowed_categories is not None else None
    text_of = dict(zip(texts["feedback_id"], texts["masked_text"], strict=True))

    def category(value: object) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        value = str(value).strip().lower()
        if not value or value == "unknown" or (allowed is not None and value not in allowed):
            return None
        return value

    def sentiment(value: object) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        value = str(value).strip().lower()
        return value or None

    out: list[Example] = []
    if gold is not None and not gold.empty:
        rows = gold[gold["split"].astype(str) == "train"]
        for fid, cat, sent in zip(
            rows["feedback_id"], rows["category_id"], rows["gold_sentiment"], strict=True
        ):
            text = text_of.get(fid)
            if text:
                out.append(Example(text=text, category=category(cat), sentiment=sentiment(sent)))
    if decisions is not None and not decisions.empty:  # decisions win over gold
        for fid, cat, sent in zip(
            decisions["feedback_id"],
            decisions["corrected_category"],
            decisions["corrected_sentiment"],
            strict=True,
        ):
            text = text_of.get(fid)
            if text:
                out.append(Example(text=text, category=category(cat), sentiment=sentiment(sent)))
    return [e for e in out if e.category or e.sentiment]
