"""The package's Python functions as DuckDB SQL functions (a dbt-duckdb plugin).

profiles/profiles.yml loads this module as a plugin of the `local` target, so every
connection dbt opens has `feedback_mask_pii(text)`: the macro `mask_pii` calls it, and
`int_feedback__cleaned.masked_text` is masked by the same code (`feedback_lakehouse.text.pii`)
as the text an LLM provider sends. Vectorised (Arrow batches of 2,048 rows); a text seen
before in the process is not masked twice (templated feedback repeats a lot).

Over every core: masking is pure Python and holds the interpreter lock, so on its own it
runs on one core (54 s of a 1M-record build, the longest node of its critical path, while
the other core idled). DuckDB calls the function from each of its threads at once, so
once this process has masked `PARALLEL_AFTER` texts (a large build, not a daily run's few
thousand: a pool's start would cost more than it saves), each batch is masked in a worker
process while the calling thread waits without the lock: as many batches at a time as
DuckDB has threads. The pool closes after `IDLE_SECONDS` without a batch. Plugin setting
`workers` (profiles.yml): `auto` (every core), or a number; 1 masks in this process only.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin

from feedback_lakehouse.enrichment.parallel import (
    resolve_workers,
    worker_context,
    workers_skip_main,
)
from feedback_lakehouse.text.pii import mask_pii

log = logging.getLogger(__name__)

MASK_PII_FUNCTION = "feedback_mask_pii"
PARALLEL_AFTER = 20_000  # texts masked in this process before batches go to workers
MIN_BATCH = 256  # a smaller batch is masked here (the round trip is not worth it)
IDLE_SECONDS = 3.0  # the worker pool closes after this long without a batch


@functools.lru_cache(maxsize=100_000)
def _mask_cached(text: str) -> str:
    return mask_pii(text) or text


def mask_list(texts: list[str | None]) -> list[str | None]:
    """`mask_pii` of each text, nulls kept (what a worker process runs on a batch)."""
    return [None if text is None else _mask_cached(text) for text in texts]


class _Masking:
    """Masks batches here, or in a pool of worker processes once this process has masked
    `after` texts (see the module docstring); the pool is started on demand and closed
    when idle."""

    def __init__(self, workers: int, after: int = PARALLEL_AFTER) -> None:
        self.workers = workers
        self.after = after
        self.lock = threading.Lock()
        self.pool: ProcessPoolExecutor | None = None
        self.seen = 0  # texts masked so far (here or in workers)
        self.in_flight = 0
        self.last_used = time.monotonic()
        self.batches_in_workers = 0  # for tests
        self.pools_started = 0
        self.broken = False  # a pool failed once: everything is masked here from then on

    def mask(self, texts: list[str | None]) -> list[str | None]:
        future = self._submit(texts)
        if future is None:
            return mask_list(texts)
        try:
            return future.result()
        except BrokenProcessPool as exc:  # a worker died (out of memory?): mask here
            log.warning("PII masking: a worker process failed (%s); masking in this process", exc)
            with self.lock:
                self.broken = True
            return mask_list(texts)
        finally:
            with self.lock:
                self.in_flight -= 1
                self.last_used = time.monotonic()

    def _submit(self, texts: list[str | None]) -> Future[list[str | None]] | None:
        """The batch sent to the worker pool (counted as in flight), or None: mask it
        here. Under the lock: a submit may start a worker process, which must not re-run
        this process's main script (`parallel.workers_skip_main`)."""
        with self.lock:
            self.seen += len(texts)
            if (
                self.workers <= 1
                or self.broken
                or len(texts) < MIN_BATCH
                or self.seen <= self.after
            ):
                return None
            with workers_skip_main():
                if self.pool is None:
                    self.pool = ProcessPoolExecutor(self.workers, mp_context=worker_context())
                    self.pools_started += 1
                    self.last_used = time.monotonic()
                    log.info(
                        "PII masking: %d texts masked here; the rest over %d processes",
                        self.seen - len(texts),
                        self.workers,
                    )
                    threading.Thread(target=self._close_when_idle, daemon=True).start()
                future = self.pool.submit(mask_list, texts)
            self.in_flight += 1
            self.batches_in_workers += 1
            return future

    def _close_when_idle(self) -> None:
        while True:
            time.sleep(IDLE_SECONDS / 3)
            with self.lock:
                idle = time.monotonic() - self.last_used >= IDLE_SECONDS
                if self.pool is None or (idle and self.in_flight == 0):
                    pool, self.pool = self.pool, None
                    break
        if pool is not None:
            pool.shutdown(wait=True)


def mask_arrow(texts: pa.Array | pa.ChunkedArray, masking: _Masking) -> pa.Array:
    """`mask_pii` over an Arrow array of strings (nulls stay null), by `masking`."""
    return pa.array(masking.mask(texts.to_pylist()), type=pa.string())


def register(conn: Any, workers: Any = 1, after: int = PARALLEL_AFTER) -> _Masking:
    """Add `feedback_mask_pii(varchar) -> varchar` to a DuckDB connection, masking over
    `workers` processes (`parallel.resolve_workers`: 'auto' = every core) once `after`
    texts were masked; returns the masking state (tests read it)."""
    masking = _Masking(resolve_workers(workers), after)

    def feedback_mask_pii(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
        return mask_arrow(texts, masking)

    conn.create_function(
        MASK_PII_FUNCTION,
        feedback_mask_pii,
        ["VARCHAR"],
        "VARCHAR",
        type="arrow",
        null_handling="special",
        side_effects=False,
    )
    return masking


class Plugin(BasePlugin):
    """dbt-duckdb calls `configure_connection` on every connection it opens."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.workers = plugin_config.get("workers", "auto")

    def configure_connection(self, conn: Any) -> None:
        register(conn, self.workers)
