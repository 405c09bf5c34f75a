"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from feedback_devtools.fakellm import FakeLLM
from feedback_lakehouse.enrichment.engine import make_provider
from feedback_lakehouse.enrichment.providers.openai.provider import OpenAICompatProvider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

# --- one dbt build of the 2,000-record sample, shared by the end-to-end tests ---


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """(folder with landing/ and warehouse.duckdb, the sample's manifest): the sample
    (2,000 records, seed 7) built once per session (once per pytest-xdist worker). Every
    test that changes it works on a copy (dbt_helpers.copy_built), so no test depends on
    which tests ran before it."""
    from dbt_helpers import run_dbt

    from feedback_devtools.sample import generate

    work = tmp_path_factory.mktemp("built_sample")
    manifest = generate(work / "landing", records=2000, seed=7)
    run_dbt(work, "build")
    return work, manifest


# --- LLM providers against the fake OpenAI-compatible server (tests/python/test_llm_*) ---

LLM_ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "OPENAI_API_VERSION",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_AD_TOKEN",
    "AZURE_OPENAI_DEPLOYMENT",
)
LLM_PRICES = {"fake-llm": {"input_per_1k_usd": 0.001, "output_per_1k_usd": 0.002}}


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No LLM credentials or endpoints leak in from the developer's environment."""
    for name in LLM_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def llm_taxonomy() -> Taxonomy:
    """A small taxonomy whose ids the fake server recognises in the texts."""
    rows = [
        ("billing", "Charges, invoices and refunds.", "finance", "charged twice|refund"),
        ("delivery", "Late, lost or damaged deliveries.", "logistics", "late|never arrived"),
        ("login", "Signing in, passwords and accounts.", "identity", "password reset"),
    ]
    return Taxonomy.from_records(
        [
            {
                "taxonomy_version": "t1",
                "category_id": cid,
                "parent_category_id": "",
                "category_name": cid.title(),
                "description": description,
                "owner_team": owner,
                "criticality": 3,
                "keywords": cid,
                "examples": examples,
            }
            for cid, description, owner, examples in rows
        ]
    )


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """The fake OpenAI-compatible server on 127.0.0.1 (a free port), for one test."""
    with FakeLLM() as server:
        yield server


@pytest.fixture
def llm_texts() -> Callable[..., pd.DataFrame]:
    """Build the engine's input frame from texts (text_hash = 'h<index>')."""

    def build(*texts: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "text_hash": [f"h{i}" for i in range(len(texts))],
                "text": list(texts),
                "language": ["en"] * len(texts),
            }
        )

    return build


@pytest.fixture(params=["openai", "azure_openai"])
def llm_shape(request: pytest.FixtureRequest) -> str:
    """Both URL shapes: /v1/chat/completions and Azure's /openai/deployments/..."""
    return str(request.param)


@pytest.fixture
def make_llm(fake_llm: FakeLLM, llm_env: pytest.MonkeyPatch) -> Callable[..., OpenAICompatProvider]:
    """Build an `openai` or `azure_openai` provider pointed at the fake server.

    Fast defaults for tests: concurrency 1, tiny backoff, short timeout, test prices.
    The backoff is the openai SDK's (its retries are the provider's): its delays are
    shortened here, so a retried 5xx or connection error costs milliseconds.
    """
    import openai._base_client as sdk

    llm_env.setattr(sdk, "INITIAL_RETRY_DELAY", 0.01)
    llm_env.setattr(sdk, "MAX_RETRY_DELAY", 0.05)

    def build(shape: str = "openai", **options: Any) -> OpenAICompatProvider:
        defaults: dict[str, Any] = {
            "api_key": "test-key",
            "concurrency": 1,
            "timeout_s": 5.0,
            "prices": LLM_PRICES,
            "progress_every_s": 0.5,
        }
        if shape == "openai":
            defaults.update(model="fake-llm", base_url=fake_llm.base_url)
        else:
            defaults.update(
                deployment="fake-llm", azure_endpoint=fake_llm.endpoint, api_version="2024-10-21"
            )
        provider = make_provider(shape, **{**defaults, **options})
        assert isinstance(provider, OpenAICompatProvider)
        return provider

    return build
