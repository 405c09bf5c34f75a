"""The enrichment and language models' logic (the dbt Python models stay thin)."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import pyarrow as pa

from .dbt_glue import config_value, existing_values, to_arrow, to_pandas
from .engine import enrich_frame, make_provider
from .language import detect_languages
from .taxonomy import Taxonomy, default_version

log = logging.getLogger(__name__)

ENRICHED_SCHEMA = pa.schema(
    [
        pa.field("enrichment_key", pa.string()),
        pa.field("text_hash", pa.string()),
        pa.field("main_category", pa.string()),
        pa.field("secondary_categories", pa.string()),
        pa.field("sentiment", pa.string()),
        pa.field("sentiment_intensity", pa.float64()),
        pa.field("urgency", pa.string()),
        pa.field("root_cause_guess", pa.string()),
        pa.field("suggested_owner", pa.string()),
        pa.field("short_summary", pa.string()),
        pa.field("rationale", pa.string()),
        pa.field("confidence", pa.float64()),
        pa.field("needs_review", pa.bool_()),
        pa.field("language", pa.string()),
        pa.field("taxonomy_version", pa.string()),
        pa.field("prompt_version", pa.string()),
        pa.field("provider", pa.string()),
        pa.field("model", pa.string()),
        pa.field("enriched_at", pa.timestamp("us")),
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        pa.field("prompt_tokens", pa.int64()),
        pa.field("completion_tokens", pa.int64()),
        pa.field("latency_ms", pa.float64()),
        pa.field("cost_usd", pa.float64()),
    ]
)

LANGUAGE_SCHEMA = pa.schema([pa.field("text_hash", pa.string()), pa.field("language", pa.string())])

# options the enrichment model passes from dbt config to the provider, when set
PROVIDER_OPTION_KEYS = (
    "model",
    "deployment",
    "concurrency",
    "batch_size",
    "timeout_s",
    "max_retries",
    "repair_attempts",
    "max_calls",
    "max_cost_usd",
    "response_format_mode",
    "temperature",
    "seed",
    "cache_path",
    "review_threshold",
)


def language_model(dbt: Any, session: Any, cleaned: Any) -> pa.Table:
    """Detect the language of each distinct text (of `int_feedback__cleaned`) not seen before."""
    texts = to_pandas(cleaned)
    texts = texts.loc[~texts["is_empty"].astype(bool), ["text_hash", "masked_text"]]
    texts = texts.drop_duplicates("text_hash")
    done = existing_values(dbt, session, "text_hash")
    if done:
        texts = texts[~texts["text_hash"].isin(done)]
    frame = pd.DataFrame(
        {
            "text_hash": texts["text_hash"].tolist(),
            "language": detect_languages(texts["masked_text"].tolist()),
        }
    )
    return to_arrow(frame, LANGUAGE_SCHEMA)


def provider_options(settings: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key in PROVIDER_OPTION_KEYS:
        value = config_value(settings, f"llm_{key}")
        if value is not None:
            options[key] = value
    return options


def enrichment_model(
    dbt: Any,
    session: Any,
    settings: dict[str, Any],
    texts: Any,
    categories: Any,
    prices: Any = None,
    versions: Any = None,
) -> pa.Table:
    """Enrich each distinct text once per (taxonomy, prompt, provider, model).

    `texts` is `int_texts__to_enrich`, `categories` the taxonomy seed, `prices` the
    model price seed (used by the LLM providers), `versions` the taxonomy versions seed
    (its default active version is in force when the var `taxonomy_version` is unset).
    """
    provider_name = config_value(settings, "enrichment_provider", "offline")
    version = config_value(settings, "taxonomy_version")
    if version is None and versions is not None:
        version = default_version(to_pandas(versions))
    taxonomy = Taxonomy.from_frame(to_pandas(categories), version)
    options = provider_options(settings)
    if provider_name != "offline":
        options.pop("review_threshold", None)  # the offline provider's own rule
        if prices is not None:
            options["prices"] = to_pandas(prices)
    provider = make_provider(provider_name, **options)
    texts = to_pandas(texts)
    # deferred rows are not done: the next run picks them up (unique_key replaces them)
    done = existing_values(dbt, session, "enrichment_key", where="status != 'deferred'")
    frame = enrich_frame(texts, taxonomy, provider, existing_keys=done)
    log.info("enriched %d texts with %s (%s)", len(frame), provider.name, provider.model)
    return to_arrow(frame, ENRICHED_SCHEMA)
