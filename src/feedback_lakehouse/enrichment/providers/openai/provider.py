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
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import openai

from feedback_lakehouse.contracts import (
    EnrichedRecord,
    Enrichment,
    FailureKind,
    Status,
    TextItem,
    enrichment_key,
)
from feedback_lakehouse.enrichment.budget import (
    Budget,
    Price,
    parse_prices,
    prompt_token_bound,
)
from feedback_lakehouse.enrichment.cache import EnrichmentCache
from feedback_lakehouse.enrichment.prompting import (
    BATCH_ANSWER_OVERHEAD_TOKENS,
    BATCH_TEMPLATE,
    SINGLE_TEMPLATE,
    RenderedPrompt,
    prompt_version,
    render,
)
from feedback_lakehouse.enrichment.providers.openai.answers import (
    BadOutput,
    batch_items,
    error_text,
    is_content_filter,
    loads,
    probe_wait,
    rejects_json_schema,
    retries_made,
    validate,
)
from feedback_lakehouse.enrichment.providers.openai.options import LLMConfigError, LLMOptions
from feedback_lakehouse.enrichment.review_rules import Evidence, ReviewRules, decide_status
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


class _RowEnd(Exception):
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
class _Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    cost_usd: float = 0.0
    cached_prompt_tokens: int = 0  # usage.prompt_tokens_details.cached_tokens

    def add(self, other: _Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cached_prompt_tokens += other.cached_prompt_tokens
        self.latency_ms += other.latency_ms
        self.cost_usd += other.cost_usd

    def share(self, n: int, index: int) -> _Usage:
        """This usage split over n items (the remainder of tokens goes to item 0)."""
        if n <= 1:
            return _Usage(
                self.prompt_tokens,
                self.completion_tokens,
                self.latency_ms,
                self.cost_usd,
                self.cached_prompt_tokens,
            )
        first = index == 0
        return _Usage(
            self.prompt_tokens // n + (self.prompt_tokens % n if first else 0),
            self.completion_tokens // n + (self.completion_tokens % n if first else 0),
            self.latency_ms,
            self.cost_usd / n,
            self.cached_prompt_tokens // n + (self.cached_prompt_tokens % n if first else 0),
        )


@dataclass
class _Reply:
    content: str | None
    refusal: str | None
    finish_reason: str | None
    usage: _Usage


@dataclass
class _Row:
    record: EnrichedRecord
    cacheable: bool  # an answer that validated: keep it (failures are never cached)


@dataclass
class _Prompts:
    version: str
    single: RenderedPrompt
    batch: RenderedPrompt | None


class OpenAICompatProvider:
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
    @property
    def response_format_mode(self) -> str:
        """The mode requests use now (auto resolves to json_schema until a fallback)."""
        if self.options.response_format_mode == "json_object" or self._fell_back:
            return "json_object"
        return "json_schema"

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
            pending: set[Future[list[tuple[int, _Row]]]] = set()
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
    def _prompts(self, taxonomy: Taxonomy) -> _Prompts:
        single = render(SINGLE_TEMPLATE, taxonomy)
        batch = None
        if self.options.batch_size > 1:
            batch = render(BATCH_TEMPLATE, taxonomy, batch=True)
        return _Prompts(self.prompt_version(taxonomy), single, batch)

    def _run_unit(
        self,
        unit: list[int],
        items: Sequence[TextItem],
        keys: list[str],
        taxonomy: Taxonomy,
        prompts: _Prompts,
    ) -> list[tuple[int, _Row]]:
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
                    self._end_record(
                        items[i],
                        keys[i],
                        taxonomy,
                        prompts,
                        _RowEnd(Status.failed, error, retryable=True),
                        _Usage(),
                    ),
                )
                for i in unit
            ]
        if self.cache is not None:
            for _, row in out:
                if row.cacheable:
                    self.cache.put(row.record)
        return out

    def _single(self, item: TextItem, key: str, taxonomy: Taxonomy, prompts: _Prompts) -> _Row:
        usage = _Usage()
        messages = [
            {"role": "system", "content": prompts.single.system},
            {"role": "user", "content": prompts.single.user_message(mask_pii(item.text))},
        ]
        try:
            enrichment = self._converse(
                messages, prompts.single, usage, lambda data: validate(data, taxonomy)
            )
        except _RowEnd as end:
            return self._end_record(item, key, taxonomy, prompts, end, usage)
        return self._ok_record(item, key, taxonomy, prompts, enrichment, usage)

    def _batch(
        self,
        unit: list[int],
        items: Sequence[TextItem],
        keys: list[str],
        taxonomy: Taxonomy,
        prompts: _Prompts,
    ) -> list[tuple[int, _Row]]:
        assert prompts.batch is not None
        ids = {str(n + 1): index for n, index in enumerate(unit)}
        payload = [(item_id, mask_pii(items[index].text)) for item_id, index in ids.items()]
        messages = [
            {"role": "system", "content": prompts.batch.system},
            {"role": "user", "content": prompts.batch.batch_message(payload)},
        ]
        usage = _Usage()
        try:
            answers = self._converse(messages, prompts.batch, usage, batch_items)
        except _RowEnd as end:
            if end.status == Status.failed and end.answered:
                # A refusal or filter on the batch may come from one text: ask singly.
                logger.info("batch of %d ended with '%s': asking singly", len(unit), end.error)
                return [(i, self._single(items[i], keys[i], taxonomy, prompts)) for i in unit]
            return [
                (
                    i,
                    self._end_record(
                        items[i], keys[i], taxonomy, prompts, end, usage.share(len(unit), n)
                    ),
                )
                for n, i in enumerate(unit)
            ]
        out: list[tuple[int, _Row]] = []
        for n, (item_id, index) in enumerate(ids.items()):
            share = usage.share(len(unit), n)
            answer = answers.get(item_id)
            reason = "missing from the batch answer" if answer is None else None
            if answer is not None:
                try:
                    enrichment = validate(answer, taxonomy)
                except BadOutput as exc:
                    reason = str(exc)
            if reason is None:
                out.append(
                    (
                        index,
                        self._ok_record(
                            items[index], keys[index], taxonomy, prompts, enrichment, share
                        ),
                    )
                )
                continue
            logger.info("batch item %s %s: asking for it singly", item_id, reason)
            row = self._single(items[index], keys[index], taxonomy, prompts)
            row.record.prompt_tokens += share.prompt_tokens
            row.record.completion_tokens += share.completion_tokens
            row.record.cached_prompt_tokens += share.cached_prompt_tokens
            row.record.cost_usd = round(row.record.cost_usd + share.cost_usd, 8)
            out.append((index, row))
        return out

    # ---------------------------------------------------------------- one conversation
    def _converse(
        self,
        messages: list[dict[str, str]],
        prompt: RenderedPrompt,
        usage: _Usage,
        parse: Callable[[Any], Any],
    ) -> Any:
        """Call, validate, and repair up to `repair_attempts` times."""
        last_error = ""
        for attempt in range(self.options.repair_attempts + 1):
            reply = self._call(messages, prompt)
            usage.add(reply.usage)
            if reply.refusal:
                raise _RowEnd(Status.failed, f"refusal: {reply.refusal[:300]}", answered=True)
            if reply.finish_reason == "content_filter":
                raise _RowEnd(
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
        raise _RowEnd(
            Status.failed,
            f"invalid output after {self.options.repair_attempts} repair attempt(s): {last_error}",
            answered=True,
        )

    def _response_format(self, prompt: RenderedPrompt) -> dict[str, Any]:
        if self.response_format_mode == "json_object":
            return {"type": "json_object", "schema": prompt.schema}
        return {
            "type": "json_schema",
            "json_schema": {"name": prompt.schema_name, "strict": True, "schema": prompt.schema},
        }

    def _max_tokens(self, prompt: RenderedPrompt, n_items: int) -> int:
        """Completion tokens a request may use: per text, times texts in a batch."""
        per_text = self.options.max_tokens or prompt.answer_tokens
        if prompt.schema_name == "enrichment":
            return per_text
        return n_items * per_text + BATCH_ANSWER_OVERHEAD_TOKENS

    def _estimate(self, messages: list[dict[str, str]], max_tokens: int) -> float:
        """The request's worst-case cost: an upper bound on its prompt tokens plus
        `max_tokens`, at the model's price (reserved before sending)."""
        if self.price is None:
            return 0.0
        bound = prompt_token_bound([m["content"] for m in messages])
        return self.price.cost(bound, max_tokens)

    def _call(self, messages: list[dict[str, str]], prompt: RenderedPrompt) -> _Reply:
        """One request; the SDK retries 408/409/429/5xx, timeouts and connection errors
        (`max_retries`). Raises _RowEnd when it gives up."""
        opts = self.options
        n_items = 1 if prompt.schema_name == "enrichment" else opts.batch_size
        max_tokens = self._max_tokens(prompt, n_items)
        spent = 0  # requests an unretried json_schema probe used up
        while True:
            estimate = self._estimate(messages, max_tokens)
            refused = self.budget.reserve(estimate)
            if refused:
                raise _RowEnd(Status.deferred, refused)
            mode = self.response_format_mode
            kwargs: dict[str, Any] = {
                "model": self.model,
                "messages": messages,
                "response_format": self._response_format(prompt),
                "temperature": opts.temperature,
                "max_tokens": max_tokens,
            }
            if opts.seed is not None:
                kwargs["seed"] = opts.seed
            client = self.client
            probing = not self._mode_known and mode == "json_schema" and not spent
            if probing:
                # llama.cpp answers 500 to json_schema: the probe is not retried, so
                # the fallback costs one call, not 1 + max_retries with backoff
                client = self.client.with_options(max_retries=0)
            elif spent:
                client = self.client.with_options(max_retries=max(opts.max_retries - spent, 0))
            started = time.monotonic()
            try:
                completion = client.chat.completions.create(**kwargs)
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                self.budget.settle(estimate, 0.0)
                raise LLMConfigError(
                    f"{self.name} rejected the credentials (HTTP {exc.status_code}): "
                    f"{self._credential_hint()}"
                ) from None
            except openai.NotFoundError as exc:
                self.budget.settle(estimate, 0.0)
                raise LLMConfigError(
                    f"{self.name} answered HTTP 404 for model/deployment '{self.model}': "
                    f"{error_text(exc)[:200]}; {self._target_hint()}"
                ) from None
            except openai.APIStatusError as exc:
                self.budget.settle(estimate, 0.0)
                text = error_text(exc)
                if is_content_filter(exc, text):
                    raise _RowEnd(
                        Status.failed,
                        f"content_filter: the prompt was blocked by the endpoint's content "
                        f"filter (HTTP {exc.status_code})",
                        answered=True,
                    ) from None
                if mode == "json_schema" and rejects_json_schema(exc, text):
                    if opts.response_format_mode == "json_schema":
                        raise _RowEnd(
                            Status.failed,
                            f"the endpoint rejected response_format json_schema "
                            f"(HTTP {exc.status_code}: {text[:200]}); set response_format_mode "
                            "to json_object or auto",
                        ) from None
                    self._fall_back(exc.status_code, text)
                    continue
                retryable = exc.status_code in (408, 409, 429) or exc.status_code >= 500
                if probing and retryable and opts.max_retries > 0:
                    # a transient error, not a rejection: wait as the SDK would (it
                    # reads Retry-After the same way), then the SDK retries the rest
                    spent = 1
                    time.sleep(probe_wait(exc.response))
                    continue
                again = f" after {retries_made(exc.response) + spent} retries" if retryable else ""
                raise _RowEnd(
                    Status.failed,
                    f"HTTP {exc.status_code}{again}: {text[:300]}",
                    retryable=retryable,
                ) from None
            except openai.APIConnectionError as exc:  # includes APITimeoutError
                self.budget.settle(estimate, 0.0)
                if probing and opts.max_retries > 0:
                    spent = 1
                    time.sleep(probe_wait(None))
                    continue
                timed_out = isinstance(exc, openai.APITimeoutError)
                what = (
                    f"timeout after {opts.timeout_s:g}s"
                    if timed_out
                    else scrub(f"connection: {exc}")
                )
                raise _RowEnd(
                    Status.failed,
                    f"{what} ({retries_made(exc) + spent} retries); check the endpoint, or raise "
                    "timeout_s",
                    retryable=True,
                ) from None
            latency_ms = (time.monotonic() - started) * 1000.0
            usage = completion.usage
            prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
            completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
            details = getattr(usage, "prompt_tokens_details", None)
            cached_tokens = int(getattr(details, "cached_tokens", 0) or 0)
            cost = self.price.cost(prompt_tokens, completion_tokens) if self.price else 0.0
            self._mode_known = True
            self.budget.settle(estimate, cost, prompt_tokens, cached_tokens)
            if not completion.choices:
                raise _RowEnd(
                    Status.failed, "the endpoint answered without choices", retryable=True
                )
            choice = completion.choices[0]
            return _Reply(
                content=choice.message.content,
                refusal=getattr(choice.message, "refusal", None),
                finish_reason=choice.finish_reason,
                usage=_Usage(prompt_tokens, completion_tokens, latency_ms, cost, cached_tokens),
            )

    def _fall_back(self, status: int, text: str) -> None:
        with self._mode_lock:
            self._mode_known = True
            if not self._fell_back:
                self._fell_back = True
                logger.warning(
                    "endpoint rejected response_format json_schema (HTTP %d: %s); using "
                    "json_object with the schema for the rest of the run "
                    "(set response_format_mode=json_object to skip the probe)",
                    status,
                    text[:200],
                )

    def _credential_hint(self) -> str:
        return "check OPENAI_API_KEY (and OPENAI_BASE_URL)"

    def _target_hint(self) -> str:
        return "check the dbt var llm_model (option model) and OPENAI_BASE_URL"

    # ---------------------------------------------------------------- records
    def _base(
        self, item: TextItem, key: str, taxonomy: Taxonomy, prompts: _Prompts, usage: _Usage
    ) -> dict[str, Any]:
        return {
            "enrichment_key": key,
            "text_hash": item.text_hash,
            "taxonomy_version": taxonomy.version,
            "prompt_version": prompts.version,
            "provider": self.name,
            "model": self.model,
            "enriched_at": datetime.now(timezone.utc),
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "cached_prompt_tokens": usage.cached_prompt_tokens,
            "latency_ms": round(usage.latency_ms, 3),
            "cost_usd": round(usage.cost_usd, 8),
        }

    def _ok_record(
        self,
        item: TextItem,
        key: str,
        taxonomy: Taxonomy,
        prompts: _Prompts,
        enrichment: Enrichment,
        usage: _Usage,
    ) -> _Row:
        fields = enrichment.model_dump()
        fields["secondary_categories"] = ",".join(enrichment.secondary_categories) or None
        fields["language"] = enrichment.language or item.language
        # the model's flag is evidence; the status is decided in review_rules
        decision = decide_status(
            Evidence.of(enrichment, model_flagged=enrichment.needs_review), ReviewRules()
        )
        fields["needs_review"] = decision.needs_review
        status = decision.status
        record = EnrichedRecord(
            **self._base(item, key, taxonomy, prompts, usage), **fields, status=status
        )
        return _Row(record, cacheable=True)

    def _end_record(
        self,
        item: TextItem,
        key: str,
        taxonomy: Taxonomy,
        prompts: _Prompts,
        end: _RowEnd,
        usage: _Usage,
    ) -> _Row:
        kind = None
        if end.status == Status.failed:
            kind = FailureKind.retryable if end.retryable else FailureKind.permanent
        record = EnrichedRecord(
            **self._base(item, key, taxonomy, prompts, usage),
            status=end.status,
            error=scrub(end.error)[:1000],
            failure_kind=kind,
        )
        return _Row(record, cacheable=False)
