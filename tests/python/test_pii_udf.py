"""The DuckDB masking function (`feedback_mask_pii`) masks over every core once a build is
large, with exactly the answer of masking in one process."""

from __future__ import annotations

import time

import duckdb
import pyarrow as pa
import pytest
from pii_planted import PLANTED

from feedback_lakehouse.text import duckdb_udfs
from feedback_lakehouse.text.pii import mask_pii


def _texts() -> list[str | None]:
    """Planted personal data, repeated to ~3 DuckDB vectors, with nulls and blanks."""
    planted = [p.text for p in PLANTED]
    out: list[str | None] = []
    while len(out) < 6_000:
        out.extend(f"{text} (copy {len(out)})" for text in planted)
        out.extend([None, "", "Great lamp, thanks"])
    return out


def _masked(con: duckdb.DuckDBPyConnection, texts: list[str | None]) -> list[str | None]:
    frame = pa.table({"i": list(range(len(texts))), "text": pa.array(texts, pa.string())})
    con.register("frame", frame)
    con.execute("create or replace table t as select * from frame")
    rows = con.sql("select feedback_mask_pii(text) from t order by i").fetchall()
    return [row[0] for row in rows]


def test_masking_over_worker_processes_equals_masking_here() -> None:
    texts = _texts()
    con = duckdb.connect()
    masking = duckdb_udfs.register(con, workers=2, after=0)
    got = _masked(con, texts)
    assert masking.batches_in_workers >= 2  # every full vector went to a worker
    assert got == [mask_pii(t) for t in texts]
    assert sum(t is not None and "<EMAIL>" in t for t in got) > 100  # masking did happen


@pytest.mark.parametrize(("workers", "after"), [(1, 0), (2, 10**9)])
def test_small_runs_and_one_worker_mask_here(workers: int, after: int) -> None:
    texts = _texts()
    con = duckdb.connect()
    masking = duckdb_udfs.register(con, workers=workers, after=after)
    got = _masked(con, texts)
    assert masking.batches_in_workers == 0
    assert masking.pool is None
    assert got == [mask_pii(t) for t in texts]


def test_the_worker_pool_closes_when_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duckdb_udfs, "IDLE_SECONDS", 0.3)
    con = duckdb.connect()
    masking = duckdb_udfs.register(con, workers=2, after=0)
    _masked(con, _texts())
    assert masking.batches_in_workers > 0
    deadline = time.monotonic() + 10
    while masking.pool is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert masking.pool is None
    # and a later batch starts a new pool
    texts = _texts()
    assert _masked(con, texts) == [mask_pii(t) for t in texts]
    assert masking.pools_started == 2


def test_the_plugin_reads_its_workers_setting() -> None:
    plugin = duckdb_udfs.Plugin("feedback_mask_pii", {"workers": "1"})
    assert plugin.workers == "1"
    assert duckdb_udfs.Plugin("feedback_mask_pii", {"memory_limit": "2GB"}).workers == "auto"
