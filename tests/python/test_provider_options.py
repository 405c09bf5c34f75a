"""One source for the provider option keys: the LLM options model's dbt-settable fields.
The dbt entry, the offline provider (which accepts and ignores them) and the thin dbt
model that passes the config through all follow it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from feedback_lakehouse.enrichment import dbt_entry
from feedback_lakehouse.enrichment.providers.offline.provider import OfflineProvider
from feedback_lakehouse.enrichment.providers.openai.options import DBT_OPTIONS, LLMOptions

ROOT = Path(__file__).resolve().parents[2]


def test_dbt_options_are_fields_of_the_options_model() -> None:
    assert set(DBT_OPTIONS) <= set(LLMOptions.model_fields)


def test_every_dbt_option_reaches_the_provider() -> None:
    settings = {f"llm_{key}": "1" for key in DBT_OPTIONS}
    assert set(dbt_entry.provider_options(settings)) == set(DBT_OPTIONS)


def test_removed_llm_review_threshold_config_is_a_clear_error() -> None:
    settings = {"enrichment_provider": "offline", "llm_review_threshold": "0.6"}
    with pytest.raises(ValueError, match="review_confidence_threshold"):
        dbt_entry._model_options(settings, "offline", None, None, None, None, None)


def test_offline_provider_accepts_every_dbt_option() -> None:
    # switching enrichment_provider to offline must not require removing LLM settings
    OfflineProvider(**{key: 1 for key in DBT_OPTIONS})


def test_thin_dbt_model_passes_every_option_through() -> None:
    # dbt hands a Python model only the config keys its file names literally
    # the thin model lives beside its YAML under models/ (not dbt's target/ copies)
    (path,) = list((ROOT / "models").rglob("int_texts__enriched.py"))
    named = set(re.findall(r'dbt\.config\.get\("llm_(\w+)"\)', path.read_text()))
    # and llm_review_threshold, read only to reject it (a clear error, not silence)
    assert set(DBT_OPTIONS) | {"review_threshold"} <= named
