"""What one LLM request or row carries: its usage, the reply, how a row ends without an
answer (`RowEnd`), and the `EnrichedRecord` each row becomes (`ok_row`, `end_row`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from feedback_lakehouse.contracts import (
    EnrichedRecord,
    Enrichment,
    FailureKind,
    Status,
    TextItem,
    joined_signals,
)
from feedback_lakehouse.enrichment.prompting import RenderedPrompt
from feedback_lakehouse.enrichment.taxonomy import Taxonomy
from feedback_lakehouse.text.scrub import scrub


class RowEnd(Exception):
    """A row (or batch) ends without a usable answer."""

    def __init__(
        self, status: Status, error: str, *, retryable: bool = False, answered: bool = False
    ):
        error = scrub(error)  # it is stored, logged and cached
        super().__init__(error)
        self.status = status
        self.error = error
        # a failure a later run may not meet: rate limit, 5xx, timeout, connection
        self.retryable = retryable
        # the endpoint answered about this content (filter, refusal, invalid output)
        self.answered = answered


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    cost_usd: float = 0.0
    cached_prompt_tokens: int = 0  # usage.prompt_tokens_details.cached_tokens

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cached_prompt_tokens += other.cached_prompt_tokens
        self.latency_ms += other.latency_ms
        self.cost_usd += other.cost_usd

    def share(self, n: int, index: int) -> Usage:
        """This usage split over n items (the remainder of tokens goes to item 0)."""
        if n <= 1:
            return Usage(
                self.prompt_tokens,
                self.completion_tokens,
                self.latency_ms,
                self.cost_usd,
                self.cached_prompt_tokens,
            )
        first = index == 0
        return Usage(
            self.prompt_tokens // n + (self.prompt_tokens % n if first else 0),
            self.completion_tokens // n + (self.completion_tokens % n if first else 0),
            self.latency_ms,
            self.cost_usd / n,
            self.cached_prompt_tokens // n + (self.cached_prompt_tokens % n if first else 0),
        )


@dataclass
class Reply:
    content: str | None
    refusal: str | None
    finish_reason: str | None
    usage: Usage


@dataclass
class Row:
    record: EnrichedRecord
    cacheable: bool  # an answer that validated: keep it (failures are never cached)


@dataclass
class Prompts:
    version: str
    single: RenderedPrompt
    batch: RenderedPrompt | None


def _base(
    provider: str,
    model: str,
    item: TextItem,
    key: str,
    taxonomy: Taxonomy,
    prompts: Prompts,
    usage: Usage,
) -> dict[str, Any]:
    return {
        "enrichment_key": key,
        "text_hash": item.text_hash,
        "taxonomy_version": taxonomy.version,
        "prompt_version": prompts.version,
        "provider": provider,
        "model": model,
        "enriched_at": datetime.now(timezone.utc),
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cached_prompt_tokens": usage.cached_prompt_tokens,
        "latency_ms": round(usage.latency_ms, 3),
        "cost_usd": round(usage.cost_usd, 8),
    }


def ok_row(
    provider: str,
    model: str,
    item: TextItem,
    key: str,
    taxonomy: Taxonomy,
    prompts: Prompts,
    enrichment: Enrichment,
    usage: Usage,
) -> Row:
    fields = enrichment.model_dump()
    fields["secondary_categories"] = ",".join(enrichment.secondary_categories) or None
    fields["category_sentiments"] = enrichment.category_sentiments_json()
    fields["language"] = enrichment.language or item.language
    # evidence only (the model's flag, a coerced label): int_feedback__status decides
    fields["review_signals"] = joined_signals(taxonomy.signals_of(enrichment))
    record = EnrichedRecord(
        **_base(provider, model, item, key, taxonomy, prompts, usage), **fields, status=Status.ok
    )
    return Row(record, cacheable=True)


def end_row(
    provider: str,
    model: str,
    item: TextItem,
    key: str,
    taxonomy: Taxonomy,
    prompts: Prompts,
    end: RowEnd,
    usage: Usage,
) -> Row:
    kind = None
    if end.status == Status.failed:
        kind = FailureKind.retryable if end.retryable else FailureKind.permanent
    record = EnrichedRecord(
        **_base(provider, model, item, key, taxonomy, prompts, usage),
        status=end.status,
        error=scrub(end.error)[:1000],
        failure_kind=kind,
    )
    return Row(record, cacheable=False)
