"""Spread CPU-bound per-text work (language detection, offline enrichment) over the cores.

Both are pure Python or hold the GIL (VADER, the keyword matcher, pydantic; lingua's
"in parallel" call ran on one core here: 1.33 s wall for 1.41 s CPU on 20k texts), so
threads do not help and a dbt build on DuckDB leaves the other cores idle while the one
long Python model runs. `map_chunks` splits the items into one contiguous slice per
worker, runs the first slice in this process and the others in worker processes, and
returns the results in input order, exactly as one call on all items would.

Worker processes come from a `forkserver`: a clean single-threaded server process that
imports this package once and forks a worker per task. Forking the dbt process itself
would copy a process with live threads (dbt's pool, DuckDB's) and their locks; `spawn`
would re-import dbt's entry script in every worker. Below `min_items` the work runs in
this process only. Starting the server costs ~1.2 s (it imports this package), more
than two processes save on a few thousand texts; once it runs, a pool of workers forked
from it starts in ~20 ms. So the threshold depends on the server: `DEFAULT_MIN_ITEMS`
while none runs in this process, `WARM_MIN_ITEMS` once one does (`min_items_now`).
Measured on 2 cores, offline enrichment: 8k texts took 1.5 s on 2 processes with a
cold server against 1.0 s in one process, 0.7 s with a running one; 2k texts break even.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import multiprocessing
import os
import pickle
import sys
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# modules the forkserver imports once, so a forked worker starts warm
PRELOAD = (
    "feedback_lakehouse.enrichment.providers.offline.provider",
    "feedback_lakehouse.enrichment.engine",
    "feedback_lakehouse.text.language",
)
DEFAULT_MIN_ITEMS = 20_000
WARM_MIN_ITEMS = 4_000
# with an `on_chunk` callback, a run in this process goes by chunks of about this size
LOCAL_CHUNK_ITEMS = 2_000

_server_started = False  # a forkserver was started by this process (it lives as long)


class SentOnce(Generic[T]):
    """A large object a parallel map's function carries (a provider with its trained
    models: 4.4 MB pickled with the models of 20k reviews), unpickled once per worker
    process instead of once per chunk.

    `map_chunks` pickles the function with every chunk it sends. Wrapped, the object is
    pickled once, here, into bytes (which pickle as a copy); a worker unpickles them the
    first time and keeps the result for the chunks that follow (by a digest of the
    bytes). In this process `get` returns the object itself, not a copy.
    """

    def __init__(self, value: T) -> None:
        self._value: T | None = value
        self._payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._key = hashlib.sha256(self._payload).hexdigest()

    def __getstate__(self) -> dict[str, Any]:
        return {"payload": self._payload, "key": self._key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._value, self._payload, self._key = None, state["payload"], state["key"]

    def get(self) -> T:
        if self._value is None:
            received = _received.get(self._key)
            if received is None:
                _received.clear()  # one at a time: a worker serves one map
                received = _received[self._key] = pickle.loads(self._payload)
            self._value = received
        return self._value


# in a worker process: the objects `SentOnce` unpickled, by the digest of their bytes
_received: dict[str, Any] = {}


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def resolve_workers(workers: Any) -> int:
    """`workers` from a dbt var: None/'auto'/0 = every available core, else an int >= 1."""
    if workers is None or str(workers).strip().lower() in ("", "auto", "0", "none"):
        return available_cores()
    try:
        value = int(workers)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"workers must be a whole number of processes or 'auto', not {workers!r}"
        ) from exc
    if value < 0:
        raise ValueError(f"workers must be >= 1 or 'auto', not {value}")
    return max(1, value)


def worker_context() -> multiprocessing.context.BaseContext:
    """The start method of worker processes: a forkserver that preloads `PRELOAD` (spawn
    where there is none)."""
    try:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(PRELOAD))
        return ctx
    except ValueError:  # no forkserver on this platform (Windows): spawn
        return multiprocessing.get_context("spawn")


def warm_up(workers: int) -> None:
    """Start the worker server now (it imports this package, ~1.5 s, in its own process)
    so that it is ready when `map_chunks` first needs it; returns at once."""
    if workers <= 1:
        return
    global _server_started
    ctx = worker_context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
        _server_started = True


def min_items_now() -> int:
    """The fewest items worth spreading over processes now: `WARM_MIN_ITEMS` once the
    worker server runs (a pool then starts in ~20 ms), `DEFAULT_MIN_ITEMS` before."""
    return WARM_MIN_ITEMS if _server_started else DEFAULT_MIN_ITEMS


def split(items: Sequence[T], parts: int) -> list[Sequence[T]]:
    """`parts` contiguous slices of near-equal size (none empty unless items is)."""
    parts = max(1, min(parts, len(items)))
    size, extra = divmod(len(items), parts)
    out: list[Sequence[T]] = []
    start = 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


@contextlib.contextmanager
def workers_skip_main() -> Iterator[None]:
    """While worker processes start: tell them not to re-run this process's `__main__`.

    multiprocessing re-imports the parent's main script in every worker (for functions
    defined there). Ours are in this package, and under dbt the main script is dbt's
    entry point: importing it costs each worker ~1.4 s. A main module named `__main__`
    is one multiprocessing leaves alone, so that is what workers are told while they
    start; the real value is restored right after.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        yield  # run as `python -m pkg`: workers import that module, which is guarded
        return
    main.__spec__ = types.SimpleNamespace(name="__main__")  # type: ignore[assignment]
    try:
        yield
    finally:
        main.__spec__ = None


def map_chunks(
    func: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    workers: int,
    min_items: int | None = None,
    chunks_per_worker: int = 8,
    work_here: bool = True,
    on_chunk: Callable[[list[R]], None] | None = None,
) -> list[R]:
    """`func(items)`, computed chunk by chunk over `workers` processes, in input order.

    `func` must be picklable (a module-level function or a `functools.partial` of one)
    and return one result per item. A feeder thread hands chunks to `workers` worker
    processes; until the first of them returns a chunk, this thread takes chunks too, so
    the workers' start (the first time: ~1.5 s to import this package) costs little.
    Chunks are small so every process finishes at about the same time. `work_here=False`
    leaves every chunk to the worker processes (tests use it to check the round trip).
    Fewer than `min_items` items (default `min_items_now()`) run in this process only.
    `on_chunk(results)` is called with each chunk's results as they come (in any order,
    from this thread or the feeder's), e.g. to report progress; with it, a run in this
    process also goes chunk by chunk (`LOCAL_CHUNK_ITEMS` items), not in one call.
    """
    if min_items is None:
        min_items = min_items_now()
    if workers <= 1 or len(items) < max(min_items, 2):
        return _map_here(func, items, on_chunk)
    chunks = split(items, workers * chunks_per_worker)
    log.info("%d items in %d chunks over %d processes", len(items), len(chunks), workers)
    out = _ChunkMap(func, chunks, workers, on_chunk).run(work_here)
    if len(out) != len(items):
        raise RuntimeError(f"parallel map returned {len(out)} results for {len(items)} items")
    return out


def _map_here(
    func: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    on_chunk: Callable[[list[R]], None] | None,
) -> list[R]:
    """`func(items)` in this process; by chunks of `LOCAL_CHUNK_ITEMS` with `on_chunk`."""
    if on_chunk is None:
        return func(items)
    local: list[R] = []
    for part in split(items, max(1, len(items) // LOCAL_CHUNK_ITEMS)):
        done = func(part)
        on_chunk(done)
        local.extend(done)
    return local


class _ChunkMap:
    """One parallel map: a feeder thread sends chunks to the worker processes while this
    thread computes chunks too, until a worker has returned one."""

    def __init__(
        self,
        func: Callable[[Sequence[T]], list[R]],
        chunks: list[Sequence[T]],
        workers: int,
        on_chunk: Callable[[list[R]], None] | None,
    ) -> None:
        self.func = func
        self.chunks = chunks
        self.workers = workers
        self.on_chunk = on_chunk
        self.results: list[list[R] | None] = [None] * len(chunks)
        self.lock = threading.Lock()
        self.position = 0
        self.failure: list[BaseException] = []
        # this process stops taking chunks once a worker has returned one: from then on
        # the workers keep every core busy, and this process's own compute would only
        # compete for its interpreter lock with the thread that sends and receives chunks
        self.workers_running = threading.Event()

    def take(self) -> int | None:
        with self.lock:
            index = self.position
            self.position += 1
        return index if index < len(self.chunks) and not self.failure else None

    def done(self, index: int, part: list[R]) -> None:
        self.results[index] = part
        if self.on_chunk is not None:
            self.on_chunk(part)

    def feed(self) -> None:
        global _server_started
        try:
            processes = self.workers
            context = worker_context()
            context_is_forkserver = context.get_start_method() == "forkserver"
            with (
                workers_skip_main(),
                ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool,
            ):
                in_flight: dict[Future[list[R]], int] = {}
                while True:
                    # one chunk per worker until one returns (a starting worker holds its
                    # chunks back from this process, which keeps taking them), then two
                    depth = 2 * processes if self.workers_running.is_set() else processes
                    while len(in_flight) < depth:
                        index = self.take()
                        if index is None:
                            break
                        in_flight[pool.submit(self.func, self.chunks[index])] = index
                    if not in_flight:
                        return
                    for future in wait(in_flight, return_when=FIRST_COMPLETED).done:
                        self.done(in_flight.pop(future), future.result())
                        self.workers_running.set()
                        _server_started = _server_started or context_is_forkserver
        except BaseException as exc:  # re-raised in the calling thread
            self.failure.append(exc)

    def run(self, work_here: bool) -> list[R]:
        feeder = threading.Thread(target=self.feed, name="parallel-feeder", daemon=True)
        feeder.start()
        try:
            while (
                work_here
                and not self.workers_running.is_set()
                and (index := self.take()) is not None
            ):
                self.done(index, self.func(self.chunks[index]))
        except BaseException as exc:
            self.failure.append(exc)
        feeder.join()
        if self.failure:
            raise self.failure[0]
        out: list[R] = []
        for part in self.results:
            if part is None:
                raise RuntimeError("a chunk of the parallel map has no result")
            out.extend(part)
        return out
