"""Spreading per-text work over processes gives exactly the one-process answer."""

from __future__ import annotations

import os
import time
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from feedback_lakehouse.enrichment import engine, parallel
from feedback_lakehouse.enrichment.engine import enrich_frame, make_provider
from feedback_lakehouse.enrichment.parallel import (
    DEFAULT_MIN_ITEMS,
    WARM_MIN_ITEMS,
    SentOnce,
    map_chunks,
    min_items_now,
    resolve_workers,
    split,
    warm_up,
)
from feedback_lakehouse.enrichment.taxonomy import Taxonomy
from feedback_lakehouse.text.language import detect_languages

CATEGORIES_CSV = (
    Path(__file__).resolve().parents[2] / "seeds" / "taxonomy" / "taxonomy_categories.csv"
)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_csv(CATEGORIES_CSV, "v1")


def _pids_and_squares(items: list[int]) -> list[tuple[int, int]]:
    time.sleep(0.25)  # slow enough that a worker has started before this process is done
    return [(os.getpid(), i * i) for i in items]


def _pids(items: list[int]) -> list[int]:
    time.sleep(0.02)
    return [os.getpid() for _ in items]


def _fails_on_13(items: list[int]) -> list[int]:
    if 13 in items:
        raise ValueError("13 is not allowed")
    return list(items)


def test_split_keeps_order_and_sizes() -> None:
    parts = split(list(range(10)), 3)
    assert [list(p) for p in parts] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert [list(p) for p in split([1, 2], 5)] == [[1], [2]]


def test_map_chunks_uses_other_processes_and_keeps_order() -> None:
    items = list(range(3000))
    out = map_chunks(_pids_and_squares, items, workers=2, min_items=100)
    assert [square for _, square in out] == [i * i for i in items]
    pids = {pid for pid, _ in out}
    # this process took chunks while the workers started, then left them to the workers
    assert os.getpid() in pids
    assert len(pids - {os.getpid()}) >= 1


def test_map_chunks_below_the_minimum_stays_in_this_process() -> None:
    out = map_chunks(_pids_and_squares, list(range(50)), workers=2, min_items=100)
    assert [square for _, square in out] == [i * i for i in range(50)]
    assert {pid for pid, _ in out} == {os.getpid()}


def test_map_chunks_raises_a_workers_error() -> None:
    with pytest.raises(ValueError, match="13 is not allowed"):
        map_chunks(_fails_on_13, list(range(4000)), workers=2, min_items=100)


def test_resolve_workers() -> None:
    assert resolve_workers("auto") >= 1
    assert resolve_workers(None) == resolve_workers("auto")
    assert resolve_workers("3") == 3
    with pytest.raises(ValueError, match="whole number"):
        resolve_workers("many")


class _Counted:
    """Counts, in the process that unpickles it, how often it was unpickled."""

    unpickled = 0

    def __init__(self) -> None:
        self.payload = list(range(1000))  # some state, so unpickling calls __setstate__

    def __setstate__(self, state: dict) -> None:
        type(self).unpickled += 1
        self.__dict__.update(state)


def _unpickled_so_far(
    sent: SentOnce[_Counted] | _Counted, items: list[int]
) -> list[tuple[int, int]]:
    if isinstance(sent, SentOnce):
        sent.get()
    time.sleep(0.02)
    return [(os.getpid(), _Counted.unpickled) for _ in items]


def test_an_object_sent_once_is_unpickled_once_per_worker() -> None:
    # 16 chunks over 2 workers: each worker serves several, and unpickles the object
    # with the first of them only (a provider with its models: 4.4 MB on 20k reviews)
    out = map_chunks(
        partial(_unpickled_so_far, SentOnce(_Counted())),
        list(range(160)),
        workers=2,
        min_items=100,
        work_here=False,
    )
    pids = {pid for pid, _ in out}
    assert os.getpid() not in pids
    assert len(out) == 160 and max(count for _, count in out) == 1
    # passed as it is, the same object is unpickled again with every chunk
    plain = map_chunks(
        partial(_unpickled_so_far, _Counted()),
        list(range(160)),
        workers=2,
        min_items=100,
        work_here=False,
    )
    assert max(count for _, count in plain) > 1
    # in this process, the object itself
    value = _Counted()
    assert SentOnce(value).get() is value


def test_map_chunks_can_leave_all_work_to_workers() -> None:
    out = map_chunks(_pids_and_squares, list(range(400)), workers=2, min_items=100, work_here=False)
    assert [square for _, square in out] == [i * i for i in range(400)]
    assert os.getpid() not in {pid for pid, _ in out}


def test_parallel_offline_enrichment_equals_one_process(
    taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every chunk goes through a worker process (pickled there and back)
    monkeypatch.setattr(engine, "map_chunks", partial(map_chunks, work_here=False))
    phrases = [
        "The parcel arrived late and the box was crushed",
        "App crashes every time I open it after the update",
        "Love the colour, fits perfectly",
        "I was charged twice, please refund me",
        "Sehr gut, schnelle Lieferung",
        "",
    ]
    texts = pd.DataFrame(
        {
            "text_hash": [f"h{i}" for i in range(1200)],
            "text": [f"{phrases[i % len(phrases)]} #{i}" for i in range(1200)],
            "language": ["de" if i % 6 == 4 else "en" for i in range(1200)],
        }
    )
    one = enrich_frame(texts, taxonomy, make_provider("offline"))
    two = enrich_frame(texts, taxonomy, make_provider("offline"), workers=2, min_parallel=100)
    columns = [c for c in one.columns if c not in ("enriched_at", "latency_ms")]
    pd.testing.assert_frame_equal(one[columns], two[columns])


def test_parallel_language_detection_equals_one_process() -> None:
    texts = [
        "The delivery was late again and nobody answered my emails",
        "Die Lieferung kam zu spät und niemand hat geantwortet",
        "Poor fit",
        "La livraison est arrivée en retard, très déçu",
        "ok",
        None,
    ] * 300
    one = detect_languages(texts)
    two = detect_languages(texts, _map_two)
    assert two == one
    assert {"en", "de", "fr", None} <= set(one)


def _map_two(func, items):  # type: ignore[no-untyped-def]
    return map_chunks(func, items, workers=2, min_items=100, work_here=False)


def test_threshold_drops_once_the_worker_server_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a running worker server a few thousand items stay in this process (the
    server's start costs more than they take); once it runs, they are spread."""
    items = list(range(WARM_MIN_ITEMS + 1000))
    assert WARM_MIN_ITEMS < len(items) < DEFAULT_MIN_ITEMS
    monkeypatch.setattr(parallel, "_server_started", False)
    assert min_items_now() == DEFAULT_MIN_ITEMS
    assert set(map_chunks(_pids, items, workers=2)) == {os.getpid()}

    warm_up(2)
    assert min_items_now() == WARM_MIN_ITEMS
    assert set(map_chunks(_pids, items, workers=2)) - {os.getpid()}


def test_a_parallel_map_marks_the_server_as_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_server_started", False)
    map_chunks(_pids, list(range(200)), workers=2, min_items=100, work_here=False)
    assert min_items_now() == WARM_MIN_ITEMS


def test_enrich_frame_takes_the_threshold_of_the_moment(
    taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def recording_map(func, items, workers, min_items=None, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(items))
        return func(items)

    monkeypatch.setattr(engine, "map_chunks", recording_map)
    texts = pd.DataFrame(
        {
            "text_hash": [f"h{i}" for i in range(300)],
            "text": [f"The parcel arrived late #{i}" for i in range(300)],
            "language": ["en"] * 300,
        }
    )
    monkeypatch.setattr(engine, "min_items_now", lambda: 1000)
    enrich_frame(texts, taxonomy, make_provider("offline"), workers=2)
    assert calls == []  # 300 texts < 1000: one process
    monkeypatch.setattr(engine, "min_items_now", lambda: 100)
    enrich_frame(texts, taxonomy, make_provider("offline"), workers=2)
    assert calls == [300]
