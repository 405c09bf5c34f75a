"""`make bench` stays runnable: the whole benchmark at a tiny size, its goal table, and
the LLM path against the fake server. Nothing here is timed against a goal: the checks
are the benchmark's own correctness claims (rows enriched = new distinct texts, one call
per distinct text, no calls on a cached re-run) and the shape of what it publishes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dbt_helpers import PROJECT

from feedback_devtools import bench
from feedback_devtools.bench_llm import run_bench


def _size(records: int, incremental: float, smallest: float | None) -> dict[str, Any]:
    full_wall = 100.0

    def run(fraction: float) -> dict[str, Any]:
        return {"wall_s": full_wall * fraction, "fraction_of_full": fraction}

    size: dict[str, Any] = {
        "records": records,
        "feedback_rows": records,
        "distinct_texts_enriched": records // 2,
        "full_build": {"wall_s": full_wall, "peak_rss_mb": 1024.0, "summed_s": {"tests": 1.0}},
        "full_build_without_unit_tests": {"wall_s": 90.0},
        "incremental_build": {
            **run(incremental),
            "rows_enriched": 7,
            "new_distinct_texts": 7,
        },
        "daily_run": {
            **run(incremental * 0.9),
            "fraction_of_production": incremental,
            "rows_enriched": 5,
            "new_distinct_texts": 5,
        },
        "rebuild_without_new_data": run(incremental * 0.8),
        "sql_vs_floor": {"sql_layers_s": 1.0, "floor_s": 0.5},
        "offline_vs_raw": {
            "offline_vs_raw": 0.45,
            "offline_vs_raw_cpu": 0.44,
            "offline_texts_per_s": 9000.0,
            "raw_vader_texts_per_s": 20000.0,
            "workers": 2,
            "offline_parallel_texts_per_s": 12000.0,
            "offline_parallel_vs_raw": 0.6,
        },
    }
    if smallest is not None:
        size["smallest_dbt_run"] = {"wall_s": full_wall * smallest, "fraction_of_full": smallest}
    return size


def test_goal_rows_judge_the_daily_run_per_size_and_name_the_smallest_dbt_run() -> None:
    result = {
        "sizes": [
            _size(10_000, 0.62, 0.18),
            _size(100_000, 0.3, None),
            _size(1_000_000, 0.1, 0.03),
        ]
    }
    rows = {row["goal"]: row for row in bench.goals(result)}

    # 10k has no goal for the daily run: reported, not judged
    unjudged = rows["10,000: daily run after +1% (no goal at this size)"]
    assert unjudged["ok"] is None and unjudged["status"] == "n/a"
    assert "smallest dbt run: 18.0%" in unjudged["value"]
    # 100k: daily 27% of full against 25%
    missed = rows["100,000: daily run after +1% <= 25% of full"]
    assert missed["ok"] is False and missed["status"] == "MISSES"
    assert "smallest dbt run" not in missed["value"]  # not measured: not claimed
    # 1M: 9% against 10%
    met = rows["1,000,000: daily run after +1% <= 10% of full"]
    assert met["ok"] is True and met["status"] == "meets"
    assert "enriched 5 = 5 new texts" in met["value"]
    assert rows["100k full build <= 30 s"]["ok"] is False  # 90 s production build
    assert rows["10,000: offline >= 0.5x raw lexicon"]["ok"] is True  # 0.6x on 2 processes


def test_markdown_has_a_row_per_size_with_the_smallest_dbt_run() -> None:
    machine = {
        "cpu": "test cpu",
        "cores": 2,
        "memory_gb": 8,
        "os": "test",
        "python": "3",
        "duckdb": "1",
        "dbt_core": "1",
        "dbt_duckdb": "1",
        "load_average_at_start": [0.1, 0.1, 0.1],
    }
    result: dict[str, Any] = {
        "started_at": "now",
        "machine": machine,
        "sizes": [_size(10_000, 0.62, 0.18), _size(100_000, 0.5, None)],
    }
    result["goals"] = bench.goals(result)
    text = bench.markdown(result)
    header = next(line for line in text.splitlines() if line.startswith("| records | feedback"))
    column = header.split(" | ").index("smallest dbt run")
    rows = [line for line in text.splitlines() if line.startswith("| 10,000 | 10,000 |")]
    assert len(rows) == 1
    assert rows[0].split(" | ")[column] == "18.0 s = 18.0%"
    other = next(line for line in text.splitlines() if line.startswith("| 100,000 | 100,000 |"))
    assert other.split(" | ")[column] == "-"
    # every row of the table has as many cells as the header
    for line in (rows[0], other):
        assert line.count(" | ") == header.count(" | ")


def test_bench_runs_end_to_end_at_a_small_size(tmp_path: Path) -> None:
    """The benchmark as `make bench SIZES=...` runs it (LLM part separately below)."""
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "feedback_devtools.bench",
            "--sizes",
            "200",
            "--skip-llm",
            "--project-dir",
            str(PROJECT),
            "--work-dir",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((out / "RESULTS.json").read_text())
    (size,) = result["sizes"]
    assert size["records"] == 200
    inc = size["incremental_build"]
    # the benchmark stops when these differ; here they must also be non-trivial
    assert inc["new_feedback_rows"] > 0
    assert inc["rows_enriched"] == inc["new_distinct_texts"] > 0
    daily = size["daily_run"]
    assert daily["rows_enriched"] == daily["new_distinct_texts"] > 0
    for run in ("full_build", "incremental_build", "daily_run", "rebuild_without_new_data"):
        assert size[run]["exit_code"] == 0
    smallest = size["smallest_dbt_run"]
    assert len(smallest["runs_s"]) == bench.FLOOR_RUNS
    # one view against every node of the project
    assert 0 < smallest["wall_s"] < size["rebuild_without_new_data"]["wall_s"]
    goals = {row["goal"] for row in result["goals"]}
    assert "200: daily run after +1% (no goal at this size)" in goals
    assert (out / "RESULTS.md").read_text() == (
        out / "results" / f"{result['started_at']}.md"
    ).read_text()
    # the production build's database and what it kept beside it are deleted
    size_dir = tmp_path / "work" / result["started_at"] / "n200"
    assert (size_dir / "bench.duckdb").is_file()
    assert not list(size_dir.glob("bench_production*"))


@pytest.mark.usefixtures("llm_env")
def test_llm_bench_calls_once_per_distinct_text_and_never_on_a_rerun() -> None:
    result = run_bench(texts=40, concurrency=8, latency_ms=20.0)
    assert result["distinct_texts"] == 30  # one text in four repeats the one before
    assert result["records"] == result["ok_records"] == 30
    assert result["calls"] == 30 and result["calls_per_distinct_text"] == 1.0
    assert result["rerun_calls_with_cache"] == 0 and result["rerun_records"] == 30
    assert result["bound_rows_per_s"] == 8 / 0.02


def test_offline_goal_is_judged_on_what_dbt_runs_by_default() -> None:
    """Self-training is the dbt default: the rules-only ratio (0.6x here) does not meet the
    goal when the default path, training included, runs at 0.4x."""
    size = _size(10_000, 0.2, None)
    size["offline_vs_raw"]["offline_selftrain_vs_raw"] = 0.4
    rows = {row["goal"]: row for row in bench.goals({"sizes": [size]})}
    row = rows["10,000: offline >= 0.5x raw lexicon"]
    assert row["ok"] is False
    assert "0.40x as dbt runs it by default" in row["value"] and "rules only 0.60x" in row["value"]
