"""The cascade provider: the local (offline, possibly learned) model first, the LLM only
for the texts it is unsure about.

A text goes to the LLM when the local answer is `unknown`, failed, or its confidence is
below `min_confidence`. Every stored row carries the cascade's own identity, the same as
in its enrichment key: `provider` is `cascade`, `model` is
`<local model>><llm provider>:<llm model>@<threshold>` and `prompt_version` is
`<local prompt version>|<llm prompt version>`, so the rows of one cascade run stay
together (the quality mart rpt_eval_cascade groups by them) even when several runs
share an LLM. The rationale starts with `[cascade: local]` or `[cascade: llm]`: which
side answered. `stats` counts both sides for the run, which is what "calls saved"
means: texts answered without an LLM call.

The enrichment key uses the cascade's own identity (local model, LLM model and the
threshold), so changing any of them re-enriches; the LLM provider's durable cache still
answers texts it has seen before without a new call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from feedback_lakehouse.contracts import UNKNOWN_CATEGORY, EnrichedRecord, Status, TextItem
from feedback_lakehouse.enrichment.providers import registry
from feedback_lakehouse.enrichment.providers.base import EngineError, Provider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

log = logging.getLogger(__name__)


@dataclass
class CascadeStats:
    texts: int = 0
    local: int = 0
    llm: int = 0
    calls_saved_share: float = field(default=0.0)

    def add(self, local: int, llm: int) -> None:
        self.texts += local + llm
        self.local += local
        self.llm += llm
        self.calls_saved_share = round(self.local / self.texts, 4) if self.texts else 0.0


class CascadeProvider:
    name = "cascade"

    def __init__(self, local: Provider, llm: Provider, min_confidence: float = 0.6) -> None:
        self.local = local
        self.llm = llm
        self.min_confidence = float(min_confidence)
        self.model = f"{local.model}>{llm.name}:{llm.model}@{self.min_confidence:g}"
        self.stats = CascadeStats()
        self._on_record: Callable[[EnrichedRecord], None] | None = None

    def prompt_version(self, taxonomy: Taxonomy) -> str:
        return f"{self.local.prompt_version(taxonomy)}|{self.llm.prompt_version(taxonomy)}"

    def is_unsure(self, record: EnrichedRecord) -> bool:
        """True when the local answer should go to the LLM."""
        return (
            record.status == Status.failed
            or record.main_category in (None, UNKNOWN_CATEGORY)
            or record.confidence is None
            or record.confidence < self.min_confidence
        )

    def enrich(self, items: Sequence[TextItem], taxonomy: Taxonomy) -> list[EnrichedRecord]:
        local = self.local.enrich(items, taxonomy)
        unsure = [i for i, record in enumerate(local) if self.is_unsure(record)]
        out = list(local)
        if unsure:
            begin = getattr(self.llm, "begin_run", None)
            end = getattr(self.llm, "end_run", None)
            if begin is not None:
                begin(len(unsure))
            try:
                answers = self.llm.enrich([items[i] for i in unsure], taxonomy)
            finally:
                if end is not None:
                    end()
            for i, record in zip(unsure, answers, strict=True):
                out[i] = record
        sent = set(unsure)
        prompt_version = self.prompt_version(taxonomy)
        result = []
        for i, record in enumerate(out):
            side = "llm" if i in sent else "local"
            rationale = f"[cascade: {side}] {record.rationale or ''}".strip()[:600]
            update = {
                "provider": self.name,
                "model": self.model,
                "prompt_version": prompt_version,
                "rationale": rationale,
            }
            result.append(record.model_copy(update=update))
        self.stats.add(local=len(items) - len(unsure), llm=len(unsure))
        log.info(
            "cascade: %d texts answered locally, %d sent to %s (calls saved %.0f%%)",
            len(items) - len(unsure),
            len(unsure),
            self.llm.name,
            100 * self.stats.calls_saved_share,
        )
        return result


class CascadeOptions(BaseModel):
    """The cascade's own options; every other option goes to the LLM provider."""

    model_config = ConfigDict(extra="allow", arbitrary_types_allowed=True)

    cascade_llm: str | None = "openai"  # the LLM provider: openai or azure_openai
    cascade_min_confidence: float | None = 0.6  # below it, the LLM answers
    learner: Any = None  # the offline side's learner.LearnedModel (sklearn: not imported here)
    review_threshold: float | None = None  # the offline side's


@registry.register("cascade", options=CascadeOptions)
def build_cascade(**options: Any) -> CascadeProvider:
    """The offline provider (with its learned model, if any) first; the LLM named by
    `cascade_llm` only for the texts it is unsure about."""
    from feedback_lakehouse.enrichment.engine import make_provider  # engine imports us lazily

    opts = CascadeOptions(**options)
    llm_name = str(opts.cascade_llm or "openai").strip().lower()
    if llm_name in ("offline", "cascade"):
        raise EngineError(
            f"cascade_llm must be an LLM provider (openai, azure_openai), not {llm_name}"
        )
    local_options = {
        key: getattr(opts, key)
        for key in ("learner", "review_threshold")
        if getattr(opts, key) is not None
    }
    local = make_provider("offline", **local_options)
    llm = make_provider(llm_name, **(opts.model_extra or {}))
    min_confidence = opts.cascade_min_confidence
    return CascadeProvider(local, llm, 0.6 if min_confidence is None else float(min_confidence))
