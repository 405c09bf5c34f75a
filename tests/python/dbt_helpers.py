"""Running the real dbt CLI on a fresh DuckDB file in a temporary folder."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))


def run_dbt(
    work: Path,
    *args: str,
    variables: dict | None = None,
    env: dict[str, str] | None = None,
    expect_ok: bool = True,
    unit_tests: bool = False,
) -> subprocess.CompletedProcess:
    """`dbt <args>` with the project's profiles, a DuckDB file and landing folder in `work`.

    A `build` leaves out dbt's unit tests unless `unit_tests`: they test SQL logic on fixed
    inputs, not the data a test built, and `make test`'s own build runs every one of them
    once before pytest starts (about a quarter of a small build's time, 2026-12-05)."""
    full_env = {**os.environ, "FEEDBACK_DUCKDB_PATH": str(work / "warehouse.duckdb"), **(env or {})}
    full_env.pop("DBT_TARGET", None)
    if args and args[0] == "build" and not unit_tests and "--exclude-resource-type" not in args:
        args = (*args, "--exclude-resource-type", "unit_test")
    cmd = [
        DBT,
        *args,
        "--profiles-dir",
        str(PROJECT / "profiles"),
        "--project-dir",
        str(PROJECT),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--vars",
        json.dumps({"landing_dir": str(work / "landing"), **(variables or {})}),
    ]
    result = subprocess.run(cmd, cwd=PROJECT, env=full_env, capture_output=True, text=True)
    if expect_ok:
        assert result.returncode == 0, f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}"
    return result


def copy_built(source: Path, work: Path) -> Path:
    """A private copy of a built folder (its landing files and DuckDB file) for a test that
    changes it: copying takes a second, building the sample again minutes."""
    work.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "landing", work / "landing")
    shutil.copy(source / "warehouse.duckdb", work / "warehouse.duckdb")
    return work


def query(work: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def helpdesk_gold_tags(landing: Path) -> dict[str, str]:
    """feedback_id -> the first hand-set tag of each generated helpdesk ticket (the
    helpdesk_tags gold scheme), read from the landing folder's JSONL exports."""
    tags: dict[str, str] = {}
    for path in sorted((landing / "helpdesk").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                ticket = json.loads(line)
            except ValueError:
                continue
            if isinstance(ticket, dict) and ticket.get("id") and ticket.get("tags"):
                tags[f"helpdesk:{ticket['id']}"] = str(ticket["tags"][0])
    return tags


def write_helpdesk_gold(landing: Path) -> dict[str, str]:
    """Write the helpdesk tags as held-out gold labels (`gold/agent_tags.csv`, scheme
    helpdesk_tags, split test) into the landing folder; returns them as helpdesk_gold_tags."""
    tags = helpdesk_gold_tags(landing)
    (landing / "gold").mkdir()
    with (landing / "gold" / "agent_tags.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["feedback_id", "gold_category", "gold_sentiment", "label_scheme", "split", "labeller"]
        )
        for fid, tag in sorted(tags.items()):
            writer.writerow([fid, tag, "", "helpdesk_tags", "test", "helpdesk agents"])
    return tags


def write_decisions(path: Path, rows: list[dict[str, str]]) -> None:
    """Review decisions as `feedback review import` reads them (README "From insight to
    action"): one row per dict, columns the package's DECISION_COLUMNS, blanks elsewhere."""
    from feedback_lakehouse.activation.review import DECISION_COLUMNS

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=DECISION_COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)
