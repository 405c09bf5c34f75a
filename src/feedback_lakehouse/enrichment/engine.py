"""The enrichment engine: which texts still need enriching, and running a provider on them.

Engine-agnostic: it takes and returns pandas DataFrames, so the dbt Python model on
DuckDB and (later) a Spark `mapInPandas` function call the same code.

How the dbt Python model uses it (incremental, `unique_key='enrichment_key'`, with the
`merge` or `delete+insert` strategy):

    provider = make_provider(dbt.config.get("enrichment_provider"), **options)
    existing = (
        session.sql(f"select enrichment_key, status from {dbt.this}").df()
        if dbt.is_incremental else None
    )
    new_rows = enrich_frame(texts, taxonomy, provider, existing_keys=existing)

Rows with status `deferred` (budget reached) are not done, and neither are `failed` rows
whose `failure_kind` is `retryable` (rate limit, 5xx, timeout, connection) and whose
`run_attempts` is below `max_run_attempts`: pass `existing_keys` as a DataFrame with
`enrichment_key`, `status`, `failure_kind` and `run_attempts` and the engine sends them
again (`retry_statuses`, default `("deferred",)`, plus those failures). The later row has
the same `enrichment_key`, so the incremental merge replaces the old one, and its
`run_attempts` counts on from the old row's. A failed row without `failure_kind` (written
before failures had kinds) counts as retryable, tried once. Permanent failures (content
filter, refusal, invalid after repairs) are not sent again. If only plain keys are
passed, leave the keys to send again out of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from feedback_lakehouse.contracts import ENRICHED_COLUMNS, EnrichedRecord, TextItem, enrichment_key
from feedback_lakehouse.enrichment.parallel import SentOnce, map_chunks, min_items_now
from feedback_lakehouse.enrichment.providers import registry
from feedback_lakehouse.enrichment.providers.base import EngineError, Provider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy
from feedback_lakehouse.progress import Progress
from feedback_lakehouse.text.scrub import scrub

TEXT_COLUMNS = ["text_hash", "text", "language"]
DEFAULT_RETRY_STATUSES = ("deferred",)
DEFAULT_MAX_RUN_ATTEMPTS = 3  # dbt var llm_max_run_attempts

logger = logging.getLogger("feedback_lakehouse.enrichment.engine")


@runtime_checkable
class RunAwareProvider(Protocol):
    """A provider that wants to know about the whole run (budget, progress, hooks)."""

    def begin_run(
        self, total: int, on_record: Callable[[EnrichedRecord], None] | None = None
    ) -> None: ...

    def end_run(self) -> None: ...


# options only the cascade reads: dropped for a provider whose options model lacks them,
# so the dbt entry can pass them whatever the provider
CASCADE_OPTIONS = ("cascade_llm", "cascade_min_confidence")


def make_provider(name: str, **options: Any) -> Provider:
    """Build the provider named by the dbt var `enrichment_provider` (`providers.registry`).

    Each provider validates its options with its own options model: `offline`
    `providers.offline.options.OfflineOptions`; `openai` / `azure_openai`
    `providers.openai.options.LLMOptions` (model, deployment, concurrency, batch_size,
    timeout_s, max_retries, repair_attempts, max_calls, max_cost_usd,
    response_format_mode, temperature, seed, cache_path, prices, ...; options set to None
    are ignored, so dbt vars can be passed as they are); `cascade`
    `providers.cascade.CascadeOptions`.
    """
    try:
        entry = registry.lookup(name)
    except KeyError:
        wanted = (name or "offline").strip().lower()
        raise EngineError(
            f"unknown enrichment_provider '{wanted}': use one of {', '.join(registry.names())}"
        ) from None
    for key in CASCADE_OPTIONS:
        if key not in entry.options.model_fields:
            options.pop(key, None)
    return entry.build(**options)


def resend_mask(
    frame: pd.DataFrame,
    retry_statuses: Sequence[str] = DEFAULT_RETRY_STATUSES,
    max_run_attempts: int = DEFAULT_MAX_RUN_ATTEMPTS,
) -> pd.Series:
    """Stored rows to send again: status in `retry_statuses`, or a retryable failure
    tried fewer than `max_run_attempts` runs."""
    if "status" not in frame.columns:
        return pd.Series(False, index=frame.index)
    status = frame["status"].astype(str)
    resend = status.isin(list(retry_statuses)) if retry_statuses else status != status
    kind = frame["failure_kind"] if "failure_kind" in frame.columns else None
    retryable = (
        pd.Series(True, index=frame.index)
        if kind is None
        else kind.isna() | (kind.astype(str) == "retryable")
    )
    attempts = (
        pd.to_numeric(frame["run_attempts"], errors="coerce").fillna(1)
        if "run_attempts" in frame.columns
        else pd.Series(1, index=frame.index)
    )
    return resend | ((status == "failed") & retryable & (attempts < max_run_attempts))


def resend_sql(
    columns: Iterable[str],
    max_run_attempts: int = DEFAULT_MAX_RUN_ATTEMPTS,
    *,
    string_type: str = "varchar",
    int_type: str = "bigint",
) -> str:
    """`resend_mask` as a SQL condition over the stored enrichment table, for DuckDB and
    Spark alike (`string_type`/`int_type` name the engine's types). `columns` are the
    table's columns: a table built before failure kinds existed lacks two, and its failed
    rows count as retryable, tried once."""
    present = {str(c).lower() for c in columns}
    kind = "failure_kind" if "failure_kind" in present else f"cast(null as {string_type})"
    attempts = "run_attempts" if "run_attempts" in present else f"cast(null as {int_type})"
    return (
        f"status = 'deferred' or (status = 'failed' and coalesce({kind}, 'retryable') = "
        f"'retryable' and coalesce({attempts}, 1) < {int(max_run_attempts)})"
    )


def done_keys(
    existing_keys: Iterable[str] | pd.DataFrame | None,
    retry_statuses: Sequence[str] = DEFAULT_RETRY_STATUSES,
    max_run_attempts: int = DEFAULT_MAX_RUN_ATTEMPTS,
) -> set[str]:
    """The keys that need no new call: all given keys except those `resend_mask` sends."""
    if existing_keys is None:
        return set()
    if isinstance(existing_keys, pd.DataFrame):
        _check_state(existing_keys)
        frame = existing_keys[~resend_mask(existing_keys, retry_statuses, max_run_attempts)]
        return set(frame["enrichment_key"].dropna().astype(str))
    return {str(k) for k in existing_keys}


def prior_run_attempts(existing_keys: Iterable[str] | pd.DataFrame | None) -> dict[str, int]:
    """enrichment_key -> runs that already called the model for it (stored rows)."""
    if not isinstance(existing_keys, pd.DataFrame) or "run_attempts" not in existing_keys:
        return {}
    _check_state(existing_keys)
    attempts = pd.to_numeric(existing_keys["run_attempts"], errors="coerce")
    # a failed row written before run_attempts existed was tried once
    if "status" in existing_keys.columns:
        attempts = attempts.fillna((existing_keys["status"] == "failed").astype(int))
    return dict(
        zip(
            existing_keys["enrichment_key"].astype(str),
            attempts.fillna(0).astype(int),
            strict=True,
        )
    )


def _check_state(frame: pd.DataFrame) -> None:
    if "enrichment_key" not in frame.columns:
        raise EngineError(
            "existing_keys as a DataFrame needs an enrichment_key column (and status, "
            "failure_kind and run_attempts, so deferred rows and retryable failures are "
            "sent again)"
        )


def pending_items(
    texts: pd.DataFrame,
    taxonomy: Taxonomy,
    provider: Provider,
    existing_keys: Iterable[str] | pd.DataFrame | None = (),
    retry_statuses: Sequence[str] = DEFAULT_RETRY_STATUSES,
    *,
    as_items: bool = True,
    max_run_attempts: int = DEFAULT_MAX_RUN_ATTEMPTS,
) -> list[tuple[str, Any]]:
    """(enrichment_key, item) for each distinct text whose key is not stored yet.

    `existing_keys`: the keys already in the table, or a DataFrame with `enrichment_key`
    and `status` (and `failure_kind`, `run_attempts`), in which case rows `resend_mask`
    picks (deferred, retryable failures under `max_run_attempts`) count as not done.
    `as_items=False` gives (text_hash, text, language) tuples instead of validated
    TextItems: the worker processes validate them (cheaper to send, validated in parallel).
    """
    missing = [c for c in TEXT_COLUMNS if c not in texts.columns]
    if missing:
        raise EngineError(f"texts to enrich lack columns {missing}; expected {TEXT_COLUMNS}")
    prompt_version = provider.prompt_version(taxonomy)
    done = done_keys(existing_keys, retry_statuses, max_run_attempts)
    seen: set[str] = set()
    out: list[tuple[str, TextItem]] = []
    # plain lists (one per column) and null languages as None up front: a row tuple and
    # a pd.isna per text cost more than the hashing
    languages = texts["language"].astype(object).where(texts["language"].notna(), None)
    for text_hash, text, language in zip(
        texts["text_hash"].tolist(), texts["text"].tolist(), languages.tolist(), strict=True
    ):
        key = enrichment_key(
            text_hash, taxonomy.version, prompt_version, provider.name, provider.model
        )
        if key in done or key in seen:
            continue
        seen.add(key)
        lang = None if language is None else str(language)
        if as_items:
            out.append((key, TextItem(text_hash=text_hash, text=text or "", language=lang)))
        else:
            out.append((key, (text_hash, text or "", lang)))
    return out


def enrich_frame(
    texts: pd.DataFrame,
    taxonomy: Taxonomy,
    provider: Provider,
    existing_keys: Iterable[str] | pd.DataFrame | None = (),
    batch_size: int = 500,
    *,
    retry_statuses: Sequence[str] = DEFAULT_RETRY_STATUSES,
    on_record: Callable[[EnrichedRecord], None] | None = None,
    workers: int = 1,
    min_parallel: int | None = None,
    max_run_attempts: int = DEFAULT_MAX_RUN_ATTEMPTS,
) -> pd.DataFrame:
    """Enrich every text not yet enriched under (taxonomy, prompt, provider, model).

    `batch_size` is how many texts go to the provider at a time (the LLM providers'
    own texts-per-request is their `batch_size` option). `on_record` is called in this
    thread with each record as soon as it is known (LLM providers), or per chunk.

    `workers` > 1 spreads a CPU-bound provider (offline) over that many processes when
    there are at least `min_parallel` texts (`parallel.map_chunks`: same rows, same
    order); the default, `parallel.min_items_now()`, is lower once the worker server
    runs. LLM providers (run-aware: budget, cache, concurrency of their own) and runs
    with `on_record` always run in this process.
    """
    run_aware = isinstance(provider, RunAwareProvider)
    parallel = workers > 1 and not run_aware and on_record is None
    todo = pending_items(
        texts,
        taxonomy,
        provider,
        existing_keys,
        retry_statuses,
        as_items=not parallel,
        max_run_attempts=max_run_attempts,
    )
    prior = prior_run_attempts(existing_keys)
    logger.info("%d distinct texts to enrich with %s:%s", len(todo), provider.name, provider.model)
    if min_parallel is None:
        min_parallel = min_items_now()
    if parallel and len(todo) < min_parallel:  # too few to pay for worker processes
        parallel = False
        todo = [(key, TextItem(text_hash=h, text=t, language=lang)) for key, (h, t, lang) in todo]
    if parallel:
        frame = _enrich_in_workers(todo, taxonomy, provider, batch_size, workers, min_parallel)
    else:
        frame = _enrich_here(todo, taxonomy, provider, batch_size, on_record)
    return _count_attempts(frame, prior, max_run_attempts)


def _enrich_in_workers(
    todo: list[tuple[str, Any]],
    taxonomy: Taxonomy,
    provider: Provider,
    batch_size: int,
    workers: int,
    min_parallel: int,
) -> pd.DataFrame:
    """A CPU-bound provider over `workers` processes (`parallel.map_chunks`)."""
    status_at = ENRICHED_COLUMNS.index("status")
    with Progress(len(todo), label=f"enrich[{provider.name}]", unit="texts") as progress:

        def count(rows: list[tuple[Any, ...]]) -> None:
            for row in rows:
                progress.advance(str(getattr(row[status_at], "value", row[status_at])))

        items: list[tuple[Any, ...]] = [item for _, item in todo]
        # what this process computed already (a first build's self-training scored the
        # texts) goes with them: the workers do not compute it again
        carried = getattr(provider, "carried", None)
        states = carried.state_of([text for _, text, _ in items]) if carried else None
        if states is not None:
            items = [(*item, state) for item, state in zip(items, states, strict=True)]
        rows = map_chunks(
            partial(_enrich_rows, SentOnce(provider), taxonomy, batch_size),
            items,
            workers,
            min_parallel,
            on_chunk=count,
        )
    frame = _columns_to_frame(
        {column: [row[i] for row in rows] for i, column in enumerate(ENRICHED_COLUMNS)}
    )
    frame["enrichment_key"] = [key for key, _ in todo]
    return frame


def _enrich_here(
    todo: list[tuple[str, TextItem]],
    taxonomy: Taxonomy,
    provider: Provider,
    batch_size: int,
    on_record: Callable[[EnrichedRecord], None] | None,
) -> pd.DataFrame:
    """The provider in this process, `batch_size` texts at a time."""
    run_aware = isinstance(provider, RunAwareProvider)
    # run-aware (LLM) providers report their own progress (calls, cache, budget)
    progress = (
        None if run_aware else Progress(len(todo), label=f"enrich[{provider.name}]", unit="texts")
    )
    if progress is not None:
        progress.start()
    if run_aware:
        provider.begin_run(len(todo), on_record)
    # column lists filled chunk by chunk: the records of a chunk are dropped once read,
    # so a large run holds plain values, not a pydantic object per text
    columns: dict[str, list[Any]] = {column: [] for column in ENRICHED_COLUMNS}
    keys: list[str] = []
    try:
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            results = provider.enrich([item for _, item in chunk], taxonomy)
            if len(results) != len(chunk):
                raise EngineError(
                    f"provider {provider.name} returned {len(results)} records for "
                    f"{len(chunk)} texts"
                )
            for (key, _), record in zip(chunk, results, strict=True):
                # the key goes into the frame's column below; a keyed copy of each record
                # is only made for a caller that wants the records themselves
                keys.append(key)
                if progress is not None:
                    progress.advance(str(record.status))
                    if on_record is not None:
                        on_record(record.model_copy(update={"enrichment_key": key}))
            for column, values in columns.items():
                values.extend([getattr(r, column) for r in results])
    finally:
        if run_aware:
            provider.end_run()
        if progress is not None:
            progress.close(failed=progress.done < len(todo))
    frame = _columns_to_frame(columns)
    frame["enrichment_key"] = keys
    return frame


def _count_attempts(
    frame: pd.DataFrame, prior: dict[str, int], max_run_attempts: int
) -> pd.DataFrame:
    """`run_attempts` = the stored row's count + 1 for this run's call (deferred rows made
    none); a retryable failure's error says whether the next run sends it again."""
    if frame.empty:
        return frame
    called = (frame["status"] != "deferred").astype(int)
    frame["run_attempts"] = [
        prior.get(key, 0) + extra
        for key, extra in zip(frame["enrichment_key"], called, strict=True)
    ]
    retryable = (frame["status"] == "failed") & (frame["failure_kind"] == "retryable")
    if retryable.any():
        frame.loc[retryable, "error"] = [
            f"{error}; attempt {n} of {max_run_attempts}: "
            + (
                "the next dbt build sends it again"
                if n < max_run_attempts
                else "not sent again automatically: raise llm_max_run_attempts, or "
                "dbt run --full-refresh --select int_texts__enriched"
            )
            for error, n in zip(
                frame.loc[retryable, "error"], frame.loc[retryable, "run_attempts"], strict=True
            )
        ]
    return frame


def _enrich_rows(
    sent: SentOnce[Provider],
    taxonomy: Taxonomy,
    batch_size: int,
    texts: Sequence[tuple[Any, ...]],
) -> list[tuple[Any, ...]]:
    """One tuple of ENRICHED_COLUMNS values per (text_hash, text, language), run in a
    worker process: tuples travel both ways (they pickle several times faster than
    pydantic models) and the items are validated here, in parallel. A fourth value is
    what the calling process computed for the text already (the provider's
    `carried.state_of`), kept here (`carried.keep`) before the provider enriches. The
    provider comes once per worker process (`SentOnce`), not with every chunk."""
    provider = sent.get()
    if texts and len(texts[0]) > 3:
        provider.carried.keep([row[1] for row in texts], [row[3] for row in texts])  # type: ignore[attr-defined]
    items = [TextItem(text_hash=row[0], text=row[1], language=row[2]) for row in texts]
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(items), batch_size):
        chunk = items[start : start + batch_size]
        results = provider.enrich(chunk, taxonomy)
        if len(results) != len(chunk):
            raise EngineError(
                f"provider {provider.name} returned {len(results)} records for {len(chunk)} texts"
            )
        rows.extend(tuple(getattr(r, column) for column in ENRICHED_COLUMNS) for r in results)
    return rows


def _columns_to_frame(columns: dict[str, list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(columns, columns=ENRICHED_COLUMNS)
    # every provider's error text is stored: no credential an endpoint echoed goes with it
    errors = frame["error"]
    has_error = errors.notna()
    if has_error.any():
        frame.loc[has_error, "error"] = [scrub(e) for e in errors[has_error]]
    for col in ("sentiment", "urgency", "status", "failure_kind"):
        frame[col] = frame[col].map(lambda v: getattr(v, "value", v)).astype("object")
    # One dtype whatever the tzinfo object (fresh records vs records read back from a cache).
    frame["enriched_at"] = pd.to_datetime(frame["enriched_at"], utc=True)
    return frame
