"""Write the self-trained model's full output on a fixed corpus to a fixture, so a change
meant to make self-training faster can be checked to leave the model and its labels as
they were (tests/python/test_selftrain_output_frozen.py).

The corpus: the texts of the offline provider's frozen fixture (`freeze_offline_output.py`:
real-data slices, edge cases, a seed-7 sample in five languages). The model is trained as a
first build trains it (`selftrain_dbt.first_build_model`, default settings), then labels
every text; the offline provider with it enriches every text.

Run it only after a deliberate change of the self-training, the offline rules or the
taxonomy seed: `.venv/bin/python scripts/freeze_selftrain_output.py`, and review the diff.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "selftrain_frozen" / "selftrain_output.json.gz"
# the first build's output with both self-trained models (category and sentiment)
SENTIMENT_FIXTURE = FIXTURE.with_name("selftrain_sentiment_output.json.gz")
OFFLINE_FIXTURE = ROOT / "tests" / "fixtures" / "offline_frozen" / "offline_output.json.gz"
# what the self-training decides: the enriched rows' fields it can change
FIELDS = ("main_category", "secondary_categories", "confidence", "rationale", "review_signals")


def corpus() -> list[tuple[str, str | None]]:
    """The offline fixture's texts (text, language)."""
    payload = json.loads(gzip.decompress(OFFLINE_FIXTURE.read_bytes()))
    return [(text, language) for text, language in payload["texts"]]


def _hash(text: str, language: str | None) -> str:
    return hashlib.sha256(f"{language}\x1f{text}".encode()).hexdigest()[:32]


def _taxonomy_and_batch(texts: list[tuple[str, str | None]]) -> tuple[Any, Any]:
    """The shipped taxonomy's default version, and the texts as a first build's batch
    (text_hash, text, language; one row per hash)."""
    import pandas as pd

    from feedback_lakehouse.enrichment.taxonomy import Taxonomy, default_version

    seeds = ROOT / "seeds" / "taxonomy"
    version = default_version(pd.read_csv(seeds / "taxonomy_versions.csv"))
    taxonomy = Taxonomy.from_csv(seeds / "taxonomy_categories.csv", version)
    frame = pd.DataFrame(
        {
            "text_hash": [_hash(text, lang) for text, lang in texts],
            "text": [text for text, _ in texts],
            "language": [lang for _, lang in texts],
        }
    ).drop_duplicates("text_hash")
    return taxonomy, frame


def run(texts: list[tuple[str, str | None]]) -> dict[str, Any]:
    """The trained model's identity and reason, its label and probability per text, and
    the self-trained provider's deciding fields per text."""
    import pandas as pd

    from feedback_lakehouse.enrichment.engine import enrich_frame, make_provider
    from feedback_lakehouse.enrichment.selftrain_dbt import first_build_model

    taxonomy, frame = _taxonomy_and_batch(texts)
    model = first_build_model(frame, taxonomy)
    predictions = model.predict(frame["text"].tolist())
    enriched = enrich_frame(
        frame, taxonomy, make_provider("offline", selftrained=model), min_parallel=0
    )
    rows = [
        {field: (None if pd.isna(row[field]) else row[field]) for field in FIELDS}
        for _, row in enriched.iterrows()
    ]
    return {
        "identity": model.identity,
        "reason": model.reason,
        "q": [model.q1, model.q0],
        "predictions": [[p.label, p.probability] for p in predictions],
        "rows": rows,
    }


def run_with_sentiment(texts: list[tuple[str, str | None]]) -> dict[str, Any]:
    """A first build's output as `dbt_entry.self_train` sets it up: the self-trained
    sentiment (its identity, reason, label per text) and every stored field of every row
    the provider with both self-trained models writes (the volatile ones left out)."""

    from feedback_lakehouse.contracts import TextItem
    from feedback_lakehouse.enrichment.engine import make_provider
    from feedback_lakehouse.enrichment.providers.offline import rules
    from feedback_lakehouse.enrichment.providers.offline.lexicon import sentiment_analyzer
    from feedback_lakehouse.enrichment.selftrain_dbt import first_build_model, first_build_sentiment
    from feedback_lakehouse.enrichment.selftrain_sentiment import ScoredText

    taxonomy, frame = _taxonomy_and_batch(texts)
    sentiment = first_build_sentiment(frame)
    model = first_build_model(frame, taxonomy)
    vader = sentiment_analyzer()
    scored = [
        ScoredText(h, t, rules.evidence_of(t, vader))
        for h, t in zip(frame["text_hash"], frame["text"], strict=True)
        if t.strip()
    ]
    distinct = {_hash(text, lang): (text, lang) for text, lang in texts}
    items = [
        TextItem(text_hash=h, text=text, language=lang) for h, (text, lang) in distinct.items()
    ]
    provider = make_provider(
        "offline",
        selftrained=model if model.is_trained else None,
        selftrained_sentiment=sentiment,
    )
    rows = []
    for record in provider.enrich(items, taxonomy):
        row = record.model_dump(mode="json")
        for field in ("enriched_at", "latency_ms"):
            row.pop(field)
        rows.append(row)
    return {
        "identity": sentiment.identity,
        "reason": sentiment.reason,
        "labels": sentiment.labels_of(scored),
        "blended": [round(x, 6) for x in sentiment.blended(scored)],
        "rows": rows,
    }


def _write(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=0).encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0))
    print(f"wrote {len(payload['rows'])} rows of {payload['identity']} to {path}")


def main() -> None:
    texts = corpus()
    _write(FIXTURE, run(texts))
    _write(SENTIMENT_FIXTURE, run_with_sentiment(texts))


if __name__ == "__main__":
    main()
