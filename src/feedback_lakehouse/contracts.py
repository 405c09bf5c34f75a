"""The one output contract every enrichment provider is held to.

`Enrichment` is what a provider (LLM or offline) says about one text; `EnrichedRecord`
is the row stored by the enrichment model: the enrichment plus provenance. Both are
pydantic models, so an LLM's JSON and the offline provider's output are validated by
the same code, and `Enrichment.model_json_schema()`, rewritten for strict structured
outputs without loosening it, is what LLM requests send as the response format.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

UNKNOWN_CATEGORY = "unknown"


class Sentiment(str, Enum):
    positive = "positive"
    neutral = "neutral"
    negative = "negative"
    mixed = "mixed"


class Urgency(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Status(str, Enum):
    ok = "ok"
    needs_review = "needs_review"
    failed = "failed"
    deferred = "deferred"


# what a provider may report about an answer; the status is decided in SQL
# (int_feedback__status), never by the provider: an answered text is stored `ok`
MODEL_FLAGGED = "model_flagged"  # the LLM's own needs_review
LABEL_COERCED = "label_coerced"  # a label outside the taxonomy was mapped to unknown
NO_RULES_FOR_LANGUAGE = "no_rules_for_language"  # the offline rules do not read it
# no keyword of the taxonomy matched: the category is the self-trained model's guess
NO_TAXONOMY_WORDS = "no_taxonomy_words"
REVIEW_SIGNALS = (NO_RULES_FOR_LANGUAGE, MODEL_FLAGGED, LABEL_COERCED, NO_TAXONOMY_WORDS)


def joined_signals(signals: list[str]) -> str | None:
    """The stored form: comma-joined in REVIEW_SIGNALS order, None when empty."""
    return ",".join(s for s in REVIEW_SIGNALS if s in signals) or None


class FailureKind(str, Enum):
    retryable = "retryable"
    permanent = "permanent"


class CategorySentiment(BaseModel):
    """The sentiment a text expresses about one of its categories (aspect sentiment).

    A list of these, not a dict keyed by category: strict structured outputs cannot take
    free-form object keys."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True, str_strip_whitespace=True)

    category: str = Field(min_length=1, max_length=64)
    sentiment: Sentiment

    @field_validator("category")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class Enrichment(BaseModel):
    """What a provider returns for one text. Unknown keys are rejected.

    The JSON schema LLM requests send is generated from this model
    (`prompting.enrichment_schema`) with the same limits: a schema-valid answer passes.
    Surrounding whitespace is stripped before lengths are checked.
    """

    model_config = ConfigDict(extra="forbid", use_enum_values=True, str_strip_whitespace=True)

    main_category: str = Field(min_length=1, max_length=64)
    secondary_categories: list[str] = Field(default_factory=list, max_length=3)
    sentiment: Sentiment
    sentiment_intensity: float = Field(ge=0.0, le=1.0)
    urgency: Urgency
    # The meaning of the two free-text fields, for every provider (documented here in
    # comments, not in the schema, so the LLM prompts' versions stay as they are; the
    # LLM prompt templates ask for the same):
    # - root_cause_guess: a short key phrase of the problem in the customer's terms
    #   ("zipper broke", "parcel never arrived", "charged twice"); never a category
    #   name or "<category>: <keyword>" (main_category already says that); null when
    #   the text names no problem (nothing matched offline, `unknown`, praise).
    # - short_summary: the text's point in one readable line: the sentence that
    #   carries the evidence for the labels, never a greeting or filler sentence
    #   ("Hi.", "Well."). The offline provider quotes that sentence, cut at a word
    #   boundary with an ellipsis (`summary_chars`, 120); LLMs write <= 25 words.
    root_cause_guess: str | None = Field(default=None, max_length=300)
    suggested_owner: str | None = Field(default=None, max_length=64)
    short_summary: str = Field(max_length=300)
    rationale: str = Field(max_length=600)
    confidence: float = Field(ge=0.0, le=1.0)
    needs_review: bool
    language: str | None = Field(default=None, max_length=16)
    # The sentiment about each of the answer's categories, from the sentences that carry
    # it ("love the lamp, but the box arrived crushed": product positive, shipping
    # negative). After validation: only the main and secondary categories, at most one
    # entry each (the first wins; an entry for another category is dropped), and always
    # one for the main category (the overall sentiment when the answer gave none).
    category_sentiments: list[CategorySentiment] = Field(default_factory=list, max_length=4)

    @field_validator("main_category", "suggested_owner")
    @classmethod
    def _strip_lower(cls, value: str | None) -> str | None:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("secondary_categories")
    @classmethod
    def _clean_secondary(cls, value: list[str]) -> list[str]:
        seen: list[str] = []
        for item in value:
            item = item.strip().lower()
            if item and item not in seen:
                seen.append(item)
        return seen

    @model_validator(mode="after")
    def _own_categories_only(self) -> Enrichment:
        """Keep one entry per answered category, add the main category's if missing."""
        if "sentiment" not in self.__dict__:  # a partial model (model_construct)
            return self
        allowed = [self.main_category, *self.secondary_categories]
        kept: dict[str, CategorySentiment] = {}
        for entry in self.category_sentiments:
            if entry.category in allowed and entry.category not in kept:
                kept[entry.category] = entry
        if self.main_category not in kept:
            kept[self.main_category] = CategorySentiment(
                category=self.main_category, sentiment=self.sentiment
            )
        ordered = [kept[c] for c in allowed if c in kept]
        if ordered != self.category_sentiments:
            self.category_sentiments = ordered
        return self

    def category_sentiments_json(self) -> str:
        """The stored form: a JSON array of {"category", "sentiment"} objects (memoised:
        texts share a few category/sentiment lists, and encoding was 3% of the offline
        provider's time)."""
        pairs = tuple((e.category, e.sentiment) for e in self.category_sentiments)
        stored = _SENTIMENTS_JSON.get(pairs)
        if stored is None:
            entries = [{"category": c, "sentiment": s} for c, s in pairs]
            stored = json.dumps(entries, separators=(",", ":"))
            if len(_SENTIMENTS_JSON) >= 10_000:
                _SENTIMENTS_JSON.clear()
            _SENTIMENTS_JSON[pairs] = stored
        return stored


# the stored form of each list of (category, sentiment) pairs seen
_SENTIMENTS_JSON: dict[tuple[tuple[str, str], ...], str] = {}


class TextItem(BaseModel):
    """One distinct, cleaned and PII-masked text to enrich."""

    model_config = ConfigDict(extra="forbid")

    text_hash: str
    text: str
    language: str | None = None


class EnrichedRecord(BaseModel):
    """One stored row of the enrichment model (one per enrichment key)."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    enrichment_key: str
    text_hash: str
    # enrichment fields: null when the row is failed or deferred
    main_category: str | None = None
    secondary_categories: str | None = None  # comma-separated, portable across engines
    sentiment: Sentiment | None = None
    sentiment_intensity: float | None = None
    urgency: Urgency | None = None
    root_cause_guess: str | None = None
    suggested_owner: str | None = None
    short_summary: str | None = None
    rationale: str | None = None
    confidence: float | None = None
    # evidence, not the status: the model's own needs_review as it answered (the offline
    # provider never sets it); rows of builds before review_signals hold the old decision
    needs_review: bool | None = None
    language: str | None = None
    # the review signals the provider observed, comma-joined (REVIEW_SIGNALS), null when
    # none; int_feedback__status turns them into the status
    review_signals: str | None = None
    # the per-category sentiments (Enrichment.category_sentiments) as a JSON array of
    # {"category", "sentiment"} objects, portable across engines; null when failed or
    # deferred, and on rows of providers that do not produce them (README "Aspect
    # sentiment")
    category_sentiments: str | None = None
    # provenance
    taxonomy_version: str
    prompt_version: str
    provider: str
    model: str
    enriched_at: datetime
    status: Status
    error: str | None = None
    # failed rows only: retryable (rate limit, 5xx, timeout, connection: the next run
    # sends it again) or permanent (content filter, refusal, invalid after repairs)
    failure_kind: FailureKind | None = None
    # runs that called the model for this key (deferred rows made no call)
    run_attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0  # of prompt_tokens, served from the provider's prompt cache
    latency_ms: float = 0.0
    cost_usd: float = 0.0


ENRICHED_COLUMNS: list[str] = list(EnrichedRecord.model_fields)


def enrichment_key(
    text_hash: str, taxonomy_version: str, prompt_version: str, provider: str, model: str
) -> str:
    """The cache key: one enrichment per (text, taxonomy, prompt, provider/model)."""
    raw = "\x1f".join([text_hash, taxonomy_version, prompt_version, provider, model])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
