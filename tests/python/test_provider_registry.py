"""Issue 17: each provider registers itself with its one typed options model, and
make_provider reads the registry (no if/elif on provider names)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from feedback_lakehouse.enrichment.engine import EngineError, make_provider
from feedback_lakehouse.enrichment.providers import registry
from feedback_lakehouse.enrichment.providers.offline.options import OfflineOptions
from feedback_lakehouse.enrichment.providers.openai.options import LLMOptions


def test_every_provider_is_registered_with_a_pydantic_options_model() -> None:
    entries = {name: registry.lookup(name) for name in registry.names()}
    assert set(entries) >= {"offline", "openai", "azure_openai", "cascade"}
    for name, entry in entries.items():
        assert issubclass(entry.options, BaseModel), name
    assert entries["offline"].options is OfflineOptions
    assert entries["openai"].options is LLMOptions
    assert entries["azure_openai"].options is LLMOptions


def test_aliases_resolve_to_their_provider() -> None:
    assert registry.lookup("azure") is registry.lookup("azure_openai")
    assert registry.lookup(" Offline ") is registry.lookup("offline")


def test_make_provider_builds_a_registered_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    class EchoOptions(BaseModel):
        word: str = "hi"

    class Echo:
        name = "echo_test"
        model = "echo-1"

        def __init__(self, **options: Any) -> None:
            self.options = EchoOptions(**options)

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry.register("echo_test", options=EchoOptions)(Echo)
    provider = make_provider("echo_test", word="there")
    assert isinstance(provider, Echo) and provider.options.word == "there"


def test_unknown_provider_names_the_registered_ones() -> None:
    with pytest.raises(EngineError, match=r"unknown enrichment_provider 'nope'.*offline.*openai"):
        make_provider("nope")


def test_offline_options_reject_a_bad_value() -> None:
    with pytest.raises(ValueError, match="min_score"):
        make_provider("offline", min_score="high")
