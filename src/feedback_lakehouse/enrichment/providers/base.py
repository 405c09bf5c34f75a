"""The interface every enrichment provider implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from feedback_lakehouse.contracts import EnrichedRecord, TextItem
from feedback_lakehouse.enrichment.taxonomy import Taxonomy


class EngineError(ValueError):
    """The enrichment inputs (or the provider configuration) are not what the engine needs."""


class Provider(Protocol):
    """A provider enriches texts. It never raises for one bad text: that text's record
    gets status `failed` (or `deferred`) with the reason, and the others go on."""

    name: str  # e.g. "offline", "openai", "azure_openai"
    model: str  # e.g. "vader-keywords", a deployment or model name

    def prompt_version(self, taxonomy: Taxonomy) -> str:
        """Name plus content hash of what drives the labels (template or rules)."""
        ...

    def enrich(self, items: Sequence[TextItem], taxonomy: Taxonomy) -> list[EnrichedRecord]:
        """One record per item, in the same order, every label inside `taxonomy`."""
        ...
