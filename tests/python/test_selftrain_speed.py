"""Speed changes of a first build with self-training that must not change a result (the
frozen-output tests check the rows): each text's sentiment evidence is computed once."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from feedback_lakehouse.contracts import TextItem
from feedback_lakehouse.enrichment.engine import make_provider
from feedback_lakehouse.enrichment.providers.offline import cues, rules
from feedback_lakehouse.enrichment.providers.offline.lexicon import (
    reset_sentiment_memo,
    sentiment_analyzer,
)
from feedback_lakehouse.enrichment.selftrain_dbt import first_build_model, first_build_sentiment
from feedback_lakehouse.enrichment.selftrain_sentiment import SentimentSelfTrainSettings
from feedback_lakehouse.enrichment.taxonomy import Taxonomy, default_version

ROOT = Path(__file__).resolve().parents[2]


def _frame() -> pd.DataFrame:
    with (ROOT / "tests" / "fixtures" / "clothing_slice" / "reviews.csv").open(
        encoding="utf-8"
    ) as f:
        texts = sorted({row["Review Text"] for row in csv.DictReader(f) if row["Review Text"]})
    return pd.DataFrame(
        {
            "text_hash": [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts],
            "text": texts,
            "language": ["en"] * len(texts),
        }
    )


def test_a_first_build_reads_each_texts_sentiment_evidence_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The self-trained sentiment's pseudo-labels, the category pseudo-labels, the
    provider's self-trained label and its own sentiment share one evidence per text
    (`emphasis_of` is counted: only the full evidence reads it), and it is the evidence
    a fresh analyzer computes."""
    seeds = ROOT / "seeds" / "taxonomy"
    taxonomy = Taxonomy.from_csv(
        seeds / "taxonomy_categories.csv",
        default_version(pd.read_csv(seeds / "taxonomy_versions.csv")),
    )
    frame = _frame()
    counted: Counter[str] = Counter()
    emphasis_of = cues.emphasis_of

    def counting(text: str) -> tuple[int, int, int]:
        counted[text] += 1
        return emphasis_of(text)

    monkeypatch.setattr(cues, "emphasis_of", counting)
    reset_sentiment_memo()
    # the slice's few negative reviews: a lower floor, so the model is trained
    sentiment = first_build_sentiment(frame, settings=SentimentSelfTrainSettings(min_examples=10))
    assert sentiment.is_trained, sentiment.reason
    model = first_build_model(frame, taxonomy)
    provider = make_provider(
        "offline",
        selftrained=model if model.is_trained else None,
        selftrained_sentiment=sentiment,
    )
    items = [
        TextItem(text_hash=h, text=t, language="en")
        for h, t in zip(frame["text_hash"], frame["text"], strict=True)
    ]
    provider.enrich(items, taxonomy)
    texts = frame["text"].tolist()
    assert len(texts) >= 100
    assert all(counted[t] == 1 for t in texts), Counter(counted[t] for t in texts)
    kept = sentiment_analyzer().evidence_memo  # type: ignore[attr-defined]
    monkeypatch.setattr(cues, "emphasis_of", emphasis_of)
    reset_sentiment_memo()
    fresh = sentiment_analyzer()
    assert all(kept[t] == rules.evidence_of(t, fresh) for t in texts[:50])
