"""Fewer garbage-collector passes while a batch of texts is scored.

Scoring a text allocates many small, short-lived objects (tokens, matches, evidence,
pydantic records) and the memos keep tens of thousands more alive. CPython's cyclic
collector runs its youngest generation every 700 allocations by default and walks
what survives into older ones: on the demo sample's first build (4,601 texts) it cost
about 12% of the CPU (docs/benchmarks.md, "Eighth pass"). The objects scored here
hold no reference cycles that need collecting quickly, so during a batch the youngest
generation is collected every `GEN0_THRESHOLD` allocations instead; reference counting
frees everything else as before, and the thresholds are restored afterwards.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

GEN0_THRESHOLD = 50_000

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the youngest generation's threshold to at least GEN0_THRESHOLD for the block
    (a higher one already set is kept); restore the thresholds in force before."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GEN0_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def batch(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run `func` inside `fewer_collections`."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with fewer_collections():
            return func(*args, **kwargs)

    return wrapper
