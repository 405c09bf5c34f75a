"""LLM providers over the `openai` SDK: `openai` (any OpenAI-compatible endpoint) and
`azure_openai` (Azure OpenAI, key or Entra ID).

What one run does, per text (or per batch of `batch_size` texts):

1. Mask PII again (`pii.mask_pii`): only masked text leaves the machine.
2. Skip keys already answered in the local cache (`cache_path`), if one is set.
3. Reserve the request's worst-case cost (prompt bytes + `max_tokens`, see `budget`)
   and count the call (`max_calls`, `max_cost_usd`): past a cap the row is `deferred`.
4. Send the versioned prompt (system part: instructions + taxonomy, byte-identical on
   every request so provider-side prompt caching applies; the text comes after it) with
   the strict JSON schema as `response_format` and `max_tokens`
   (`json_schema`; in `auto` mode, falls back to `json_object` + schema, once and for the
   rest of the run, when the endpoint rejects `json_schema`).
5. Retries of 408/409/429 (honouring Retry-After), 5xx, timeouts and connection errors
   are the `openai` SDK's own (`max_retries`, exponential backoff with jitter,
   `x-should-retry`). A request that still fails ends its row `failed` with
   `failure_kind` `retryable` and the reason: the next run sends it again.
6. Validate with the pydantic `Enrichment` model and `Taxonomy.coerce`; malformed or
   schema-invalid output is sent back with a repair message up to `repair_attempts`
   times, then the row is `failed` (`permanent`). Refusals and content-filter answers are
   `failed` (`permanent`) with the reason. One bad text never stops the others.

Only answers that validated (`ok`, `needs_review`) go into the cache: a failure is never
replayed from it, so a re-run (or `--full-refresh`) asks again what failed.

Authentication and "deployment not found" errors stop the run with an `LLMConfigError`
(every row would fail the same way); answers already cached are kept.

Secrets: every error text kept in a record or a log line, or put in an exception, goes
through `scrub.scrub` (endpoints may echo the Authorization / api-key header in their
error body), and exceptions are raised `from None`: the SDK's exception carries the
request, its headers and the unscrubbed body, so it is never chained into a traceback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import openai

from feedback_lakehouse.contracts import (
    EnrichedRecord,
    Status,
    TextItem,
    enrichment_key,
)
from feedback_lakehouse.enrichment.budget import (
    Budget,
    Price,
    parse_prices,
)
from feedback_lakehouse.enrichment.cache import EnrichmentCache
from feedback_lakehouse.enrichment.prompting import (
    BATCH_TEMPLATE,
    SINGLE_TEMPLATE,
    RenderedPrompt,
    prompt_version,
    render,
)
from feedback_lakehouse.enrichment.providers.openai.answers import (
    BadOutput,
    batch_items,
    loads,
    validate,
)
from feedback_lakehouse.enrichment.providers.openai.calls import Requests
from feedback_lakehouse.enrichment.providers.openai.options import LLMConfigError, LLMOptions
from feedback_lakehouse.enrichment.providers.openai.rows import (
    Prompts,
    Row,
    RowEnd,
    Usage,
    end_row,
    ok_row,
)
from feedback_lakehouse.enrichment.taxonomy import Taxonomy
from feedback_lakehouse.progress import Progress
from feedback_lakehouse.text.pii import mask_pii
from feedback_lakehouse.text.scrub import scrub

logger = logging.getLogger("feedback_lakehouse.llm")

RecordHook = Callable[[EnrichedRecord], None]

_REPAIR_MESSAGE = (
    "Your previous answer could not be used: {error}. Answer again with only one JSON "
    "object that matches the response schema exactly (all keys, allowed values only)."
)


class OpenAICompatProvider(Requests):
    """Shared engine of the `openai` and `azure_openai` providers."""

    name = "openai"

    def __init__(self, client: openai.OpenAI, model: str, options: LLMOptions):
        self.client = client
        self.model = model
        self.options = options
        self._mode_lock = threading.Lock()
        self._fell_back = False
        self._mode_known = options.response_format_mode != "auto"
        self.prices = parse_prices(options.prices)
        self.price: Price | None = self.prices.get(options.price_model or model)
        if self.price is None and options.max_cost_usd is not None:
            raise LLMConfigError(
                f"max_cost_usd is set but there is no price for model "
                f"'{options.price_model or model}': add it to seeds/reference/model_prices.csv "
                "(and pass the seed as prices), or set price_model to a priced row"
            )
        if self.price is None and self.prices:
            logger.warning(
                "no price for model '%s' in the price table: cost_usd will be 0",
                options.price_model or model,
            )
        self.budget = Budget(options.max_calls, options.max_cost_usd)
        self.cache = EnrichmentCache(options.cache_path) if options.cache_path else None
        self._progress: Progress | None = None
        self._on_record: RecordHook | None = None

    # ---------------------------------------------------------------- Provider protocol
    def prompt_version(self, taxonomy: Taxonomy) -> str:
        return prompt_version(taxonomy, batch_size=self.options.batch_size)

    def begin_run(self, total: int, on_record: RecordHook | None = None) -> None:
        """Start a run: reset the budget, start progress logging over `total` rows."""
        self.budget.reset()
        self._progress = Progress(
            total,
            label=f"enrich[{self.name}:{self.model}]",
            every_rows=self.options.progress_every_rows,
            every_s=self.options.progress_every_s,
        )
        self._progress.start()  # a line every progress_every_s even while calls hang
        self._on_record = on_record

    def end_run(self) -> None:
        if self._progress is not None:
            budget = self.budget
            self._progress.close()
            self._progress.log.info(
                "%s: %d calls, cost %.6f USD%s, prompt tokens %d of which cached %d (%.0f%%)",
                self._progress.label,
                budget.calls,
                budget.cost_usd,
                f" of max_cost_usd {budget.max_cost_usd:g}"
                if budget.max_cost_usd is not None
                else "",
                budget.prompt_tokens,
                budget.cached_prompt_tokens,
                100.0 * budget.cached_prompt_tokens / budget.prompt_tokens
                if budget.prompt_tokens
                else 0.0,
            )
            if budget.overruns:
                logger.warning(
                    "%d answer(s) cost more than their worst case (prompt bytes + max_tokens): "
                    "the endpoint billed more tokens than it was asked for; spent %.6f USD",
                    budget.overruns,
                    budget.cost_usd,
                )
        self._progress = None
        self._on_record = None

    def enrich(self, items: Sequence[TextItem], taxonomy: Taxonomy) -> list[EnrichedRecord]:
        """One record per item, in order. Calls only for keys not in the cache."""
        prompts = self._prompts(taxonomy)
        keys = [
            enrichment_key(i.text_hash, taxonomy.version, prompts.version, self.name, self.model)
            for i in items
        ]
        results: list[EnrichedRecord | None] = [None] * len(items)
        progress = self._progress or Progress(len(items), label=f"enrich[{self.name}]")
        if self.cache is not None:
            cached = self.cache.get_many(keys)
            for index, key in enumerate(keys):
                if key in cached:
                    results[index] = cached[key]
            if cached:
                logger.info("%d of %d rows answered from the cache", len(cached), len(items))
                progress.advance("cached", len(cached))
        todo = [i for i, record in enumerate(results) if record is None]
        size = self.options.batch_size
        units = [todo[s : s + size] for s in range(0, len(todo), size)]
        if not units:
            return [r for r in results if r is not None]
        pool = ThreadPoolExecutor(
            max_workers=min(self.options.concurrency, len(units)), thread_name_prefix="llm"
        )
        try:
            pending: set[Future[list[tuple[int, Row]]]] = set()
            if not self._mode_known:
                # Probe json_schema support with one request before fanning out, so an
                # endpoint that rejects it costs one rejected call, not `concurrency`.
                pending.add(
                    pool.submit(self._run_unit, units.pop(0), items, keys, taxonomy, prompts)
                )
                wait(pending)
            pending.update(
                pool.submit(self._run_unit, unit, items, keys, taxonomy, prompts) for unit in units
            )
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    for index, row in future.result():
                        record = row.record
                        results[index] = record
                        progress.advance(str(record.status))
                        if self._on_record is not None:
                            self._on_record(record)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return [r for r in results if r is not None]

    # ---------------------------------------------------------------- units of work
    def _prompts(self, taxonomy: Taxonomy) -> Prompts:
        single = render(SINGLE_TEMPLATE, taxonomy)
        batch = None
        if self.options.batch_size > 1:
            batch = render(BATCH_TEMPLATE, taxonomy, batch=True)
        return Prompts(self.prompt_version(taxonomy), single, batch)

    def _run_unit(
        self,
        unit: list[int],
        items: Sequence[TextItem],
        keys: list[str],
        taxonomy: Taxonomy,
        prompts: Prompts,
    ) -> list[tuple[int, Row]]:
        try:
            # a lone last text of a batched run goes as a batch of one: every request of
            # the run then shares one system prefix (provider-side prompt caching)
            if prompts.batch is None:
                out = [(i, self._single(items[i], keys[i], taxonomy, prompts)) for i in unit]
            else:
                out = self._batch(unit, items, keys, taxonomy, prompts)
        except LLMConfigError:
            raise
        except Exception as exc:  # one unit's bug must not lose the other rows
            error = scrub(
                f"internal error: {type(exc).__name__}: {exc}; report it with this message"
            )
            logger.error("unexpected error while enriching %d row(s): %s", len(unit), error)
            out = [
                (
                    i,
                    end_row(
                        self.name,
                        self.model,
                        items[i],
                        keys[i],
                        taxonomy,
                        prompts,
                        RowEnd(Status.failed, error, retryable=True),
                        Usage(),
                    ),
                )
                for i in unit
            ]
        if self.cache is not None:
            for _, row in out:
                if row.cacheable:
                    self.cache.put(row.record)
        return out

    def _single(self, item: TextItem, key: str, taxonomy: Taxonomy, prompts: Prompts) -> Row:
        usage = Usage()
        messages = [
            {"role": "system", "content": prompts.single.system},
            {"role": "user", "content": prompts.single.user_message(mask_pii(item.text))},
        ]
        try:
            enrichment = self._converse(
                messages, prompts.single, usage, lambda data: validate(data, taxonomy)
            )
        except RowEnd as end:
            return end_row(self.name, self.model, item, key, taxonomy, prompts, end, usage)
        return ok_row(self.name, self.model, item, key, taxonomy, prompts, enrichment, usage)

    def _batch(
        self,
        unit: list[int],
        items: Sequence[TextItem],
        keys: list[str],
        taxonomy: Taxonomy,
        prompts: Prompts,
    ) -> list[tuple[int, Row]]:
        assert prompts.batch is not None
        ids = {str(n + 1): index for n, index in enumerate(unit)}
        payload = [(item_id, mask_pii(items[index].text)) for item_id, index in ids.items()]
        messages = [
            {"role": "system", "content": prompts.batch.system},
            {"role": "user", "content": prompts.batch.batch_message(payload)},
        ]
        usage = Usage()
        try:
            answers = self._converse(messages, prompts.batch, usage, batch_items)
        except RowEnd as end:
            if end.status == Status.failed and end.answered:
                # A refusal or filter on the batch may come from one text: ask singly.
                logger.info("batch of %d ended with '%s': asking singly", len(unit), end.error)
                return [(i, self._single(items[i], keys[i], taxonomy, prompts)) for i in unit]
            return [
                (
                    i,
                    end_row(
                        self.name,
                        self.model,
                        items[i],
                        keys[i],
                        taxonomy,
                        prompts,
                        end,
                        usage.share(len(unit), n),
                    ),
                )
                for n, i in enumerate(unit)
            ]
        return [
            (
                index,
                self._batch_item(
                    item_id,
                    answers.get(item_id),
                    items[index],
                    keys[index],
                    taxonomy,
                    prompts,
                    usage.share(len(unit), n),
                ),
            )
            for n, (item_id, index) in enumerate(ids.items())
        ]

    def _batch_item(
        self,
        item_id: str,
        answer: Any,
        item: TextItem,
        key: str,
        taxonomy: Taxonomy,
        prompts: Prompts,
        share: Usage,
    ) -> Row:
        """One text's row from a batch answer; asked singly when its answer is missing or
        invalid (the batch's share of usage is added to the single row's)."""
        reason = "missing from the batch answer" if answer is None else None
        if answer is not None:
            try:
                enrichment = validate(answer, taxonomy)
            except BadOutput as exc:
                reason = str(exc)
        if reason is None:
            return ok_row(self.name, self.model, item, key, taxonomy, prompts, enrichment, share)
        logger.info("batch item %s %s: asking for it singly", item_id, reason)
        row = self._single(item, key, taxonomy, prompts)
        row.record.prompt_tokens += share.prompt_tokens
        row.record.completion_tokens += share.completion_tokens
        row.record.cached_prompt_tokens += share.cached_prompt_tokens
        row.record.cost_usd = round(row.record.cost_usd + share.cost_usd, 8)
        return row

    # ---------------------------------------------------------------- one conversation
    def _converse(
        self,
        messages: list[dict[str, str]],
        prompt: RenderedPrompt,
        usage: Usage,
        parse: Callable[[Any], Any],
    ) -> Any:
        """Call, validate, and repair up to `repair_attempts` times."""
        last_error = ""
        for attempt in range(self.options.repair_attempts + 1):
            reply = self._call(messages, prompt)
            usage.add(reply.usage)
            if reply.refusal:
                raise RowEnd(Status.failed, f"refusal: {reply.refusal[:300]}", answered=True)
            if reply.finish_reason == "content_filter":
                raise RowEnd(
                    Status.failed,
                    "content_filter: the answer was blocked by the endpoint's content filter",
                    answered=True,
                )
            try:
                data = loads(reply.content, reply.finish_reason)
                return parse(data)
            except BadOutput as exc:
                last_error = str(exc)
                logger.info("invalid output (attempt %d): %s", attempt + 1, last_error)
                messages = [
                    *messages,
                    {"role": "assistant", "content": reply.content or ""},
                    {"role": "user", "content": _REPAIR_MESSAGE.format(error=last_error)},
                ]
        raise RowEnd(
            Status.failed,
            f"invalid output after {self.options.repair_attempts} repair attempt(s): {last_error}",
            answered=True,
        )
