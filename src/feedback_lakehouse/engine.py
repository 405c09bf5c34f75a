"""The enrichment engine: which texts still need enriching, and running a provider on them.

Engine-agnostic: it takes and returns pandas DataFrames, so the dbt Python model on
DuckDB and (later) a Spark `mapInPandas` function call the same code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .providers.base import Provider
from .schemas import ENRICHED_COLUMNS, EnrichedRecord, TextItem, enrichment_key
from .taxonomy import Taxonomy

TEXT_COLUMNS = ["text_hash", "text", "language"]


class EngineError(ValueError):
    """The enrichment inputs are not what the engine needs."""


def make_provider(name: str, **options: Any) -> Provider:
    """Build the provider named by the dbt var `enrichment_provider`."""
    name = (name or "offline").strip().lower()
    if name == "offline":
        from .providers.offline import OfflineProvider

        return OfflineProvider(**options)
    raise EngineError(
        f"unknown enrichment_provider '{name}': use one of offline, openai, azure_openai"
    )


def pending_items(
    texts: pd.DataFrame,
    taxonomy: Taxonomy,
    provider: Provider,
    existing_keys: Iterable[str] = (),
) -> list[tuple[str, TextItem]]:
    """(enrichment_key, item) for each distinct text whose key is not stored yet."""
    missing = [c for c in TEXT_COLUMNS if c not in texts.columns]
    if missing:
        raise EngineError(f"texts to enrich lack columns {missing}; expected {TEXT_COLUMNS}")
    prompt_version = provider.prompt_version(taxonomy)
    done = set(existing_keys)
    seen: set[str] = set()
    out: list[tuple[str, TextItem]] = []
    for text_hash, text, language in texts[TEXT_COLUMNS].itertuples(index=False, name=None):
        key = enrichment_key(
            text_hash, taxonomy.version, prompt_version, provider.name, provider.model
        )
        if key in done or key in seen:
            continue
        seen.add(key)
        lang = None if language is None or pd.isna(language) else str(language)
        out.append((key, TextItem(text_hash=text_hash, text=text or "", language=lang)))
    return out


def enrich_frame(
    texts: pd.DataFrame,
    taxonomy: Taxonomy,
    provider: Provider,
    existing_keys: Iterable[str] = (),
    batch_size: int = 500,
) -> pd.DataFrame:
    """Enrich every text not yet enriched under (taxonomy, prompt, provider, model)."""
    todo = pending_items(texts, taxonomy, provider, existing_keys)
    records: list[EnrichedRecord] = []
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        results = provider.enrich([item for _, item in chunk], taxonomy)
        if len(results) != len(chunk):
            raise EngineError(
                f"provider {provider.name} returned {len(results)} records for {len(chunk)} texts"
            )
        for (key, _), record in zip(chunk, results, strict=True):
            records.append(record.model_copy(update={"enrichment_key": key}))
    return records_to_frame(records)


def records_to_frame(records: list[EnrichedRecord]) -> pd.DataFrame:
    rows = [r.model_dump(mode="python") for r in records]
    frame = pd.DataFrame(rows, columns=ENRICHED_COLUMNS)
    for col in ("sentiment", "urgency", "status"):
        frame[col] = frame[col].map(lambda v: getattr(v, "value", v)).astype("object")
    return frame
