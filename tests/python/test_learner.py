"""The learner (TF-IDF + logistic regression) and how the offline provider uses it."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from feedback_devtools.examples import category_id
from feedback_lakehouse.contracts import TextItem
from feedback_lakehouse.enrichment.learner import (
    Example,
    LearnedModel,
    LearnerSettings,
    examples_from_frames,
)
from feedback_lakehouse.enrichment.providers.offline.provider import DEFAULT_MODEL, OfflineProvider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

SLICE = Path(__file__).resolve().parents[1] / "fixtures" / "banking77_slice"


def _rows(name: str) -> list[dict[str, str]]:
    with (SLICE / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _taxonomy(ids: list[str]) -> Taxonomy:
    return Taxonomy.from_records(
        [
            {
                "taxonomy_version": "b1",
                "category_id": cid,
                "parent_category_id": "",
                "category_name": cid,
                "description": cid,
                "owner_team": "support",
                "criticality": 3,
                "keywords": "",
                "examples": "",
            }
            for cid in ids
        ]
    )


def _train() -> list[Example]:
    return [Example(text=r["text"], category=category_id(r["category"])) for r in _rows("train")]


def test_learns_banking77_slice_and_generalises_to_its_test_rows() -> None:
    model = LearnedModel(_train())
    test = _rows("test")
    predictions = model.predict_categories([r["text"] for r in test])
    correct = sum(
        p.label == category_id(r["category"]) for p, r in zip(predictions, test, strict=True)
    )
    assert correct / len(test) >= 0.8  # 6 intents, 30 train rows each
    assert all(0.0 < p.probability <= 1.0 for p in predictions)


def test_identity_is_deterministic_and_tracks_the_training_set() -> None:
    first, again = LearnedModel(_train()), LearnedModel(list(reversed(_train())))
    assert first.fingerprint == again.fingerprint  # order of the decisions does not matter
    texts = [r["text"] for r in _rows("test")]
    assert [p.label for p in first.predict_categories(texts)] == [
        p.label for p in again.predict_categories(texts)
    ]
    changed = LearnedModel(
        [*_train(), Example(text="where is my new card", category="card_arrival")]
    )
    assert changed.fingerprint != first.fingerprint
    assert changed.identity.startswith("tfidf-logreg-1-n")


def test_too_few_examples_train_nothing() -> None:
    model = LearnedModel(_train()[:5], LearnerSettings(min_examples=20))
    assert not model.is_trained
    assert OfflineProvider(learner=model).model == DEFAULT_MODEL


def test_offline_provider_uses_the_learned_model_and_changes_its_key() -> None:
    model = LearnedModel(_train())
    ids = sorted({category_id(r["category"]) for r in _rows("train")})
    taxonomy = _taxonomy(ids)
    plain, learned = OfflineProvider(), OfflineProvider(learner=model)
    assert learned.model == f"{DEFAULT_MODEL}+{model.identity}"
    items = [TextItem(text_hash=f"h{i}", text=r["text"]) for i, r in enumerate(_rows("test"))]
    before = plain.enrich(items, taxonomy)
    after = learned.enrich(items, taxonomy)
    assert all(r.main_category == "unknown" for r in before)  # no keywords in this taxonomy
    truth = [category_id(r["category"]) for r in _rows("test")]
    right = sum(r.main_category == t for r, t in zip(after, truth, strict=True))
    assert right / len(truth) >= 0.8
    assert all(r.rationale.startswith("learned ") for r in after)


def test_examples_from_decisions_and_gold_train_split_only() -> None:
    texts = pd.DataFrame(
        {
            "feedback_id": ["a:1", "a:2", "a:3", "a:4"],
            "masked_text": ["one", "two", "three", "four"],
        }
    )
    decisions = pd.DataFrame(
        {
            "feedback_id": ["a:1", "a:2"],
            "corrected_category": ["billing", "teleportation"],
            "corrected_sentiment": [None, "negative"],
        }
    )
    gold = pd.DataFrame(
        {
            "feedback_id": ["a:3", "a:4"],
            "category_id": ["login", "billing"],
            "gold_sentiment": ["neutral", None],
            "split": ["train", "test"],
        }
    )
    examples = examples_from_frames(decisions, texts, gold, allowed_categories=["billing", "login"])
    got = {(e.text, e.category, e.sentiment) for e in examples}
    # the test split is held out; a category outside the taxonomy is not learned
    assert got == {
        ("three", "login", "neutral"),
        ("one", "billing", None),
        ("two", None, "negative"),
    }
