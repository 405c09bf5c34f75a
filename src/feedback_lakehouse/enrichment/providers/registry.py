"""The providers by name: each provider module registers itself (`@register`) with its
one typed options model; `engine.make_provider` looks the dbt var `enrichment_provider`
up here.

Lazy on purpose: a provider module is imported only when a name is looked up that an
earlier module did not register, so `offline` never imports the `openai` SDK.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

# imported in this order until the name looked up is registered
PROVIDER_MODULES = (
    "feedback_lakehouse.enrichment.providers.offline.provider",
    "feedback_lakehouse.enrichment.providers.openai.clients",
    "feedback_lakehouse.enrichment.providers.cascade",
)

B = TypeVar("B", bound=Callable[..., Any])


@dataclass(frozen=True)
class ProviderEntry:
    """A registered provider: how to build it from options, and its options model."""

    name: str
    build: Callable[..., Any]
    options: type[BaseModel]


_REGISTRY: dict[str, ProviderEntry] = {}
_ALIASES: dict[str, str] = {}


def register(
    name: str, *, options: type[BaseModel], aliases: tuple[str, ...] = ()
) -> Callable[[B], B]:
    """Register `build` (a provider class or factory taking the options as keywords)."""

    def decorate(build: B) -> B:
        _REGISTRY[name] = ProviderEntry(name, build, options)
        for alias in aliases:
            _ALIASES[alias] = name
        return build

    return decorate


def _key(name: str) -> str:
    key = (name or "offline").strip().lower()
    return _ALIASES.get(key, key)


def lookup(name: str) -> ProviderEntry:
    """The provider registered as `name` (or an alias); KeyError when there is none."""
    for module in (None, *PROVIDER_MODULES):
        if module is not None:
            importlib.import_module(module)
        entry = _REGISTRY.get(_key(name))
        if entry is not None:
            return entry
    raise KeyError(name)


def names() -> tuple[str, ...]:
    """Every registered provider name (imports every provider module)."""
    for module in PROVIDER_MODULES:
        importlib.import_module(module)
    return tuple(_REGISTRY)
