"""`make build` and `make daily` on a user's own data: the README's bring-your-own-data
vars must reach dbt, or the incremental run silently builds without the custom source and
taxonomy (issue 18's walk)."""

from __future__ import annotations

import os
import subprocess

import pytest
from dbt_helpers import PROJECT

BYO = "{landing_dir: /x/landing, custom_source: /x/my_source.yml, byo_seed_dir: /x/seeds}"


def _dry(*args: str) -> str:
    """The commands `make -n` would run."""
    return subprocess.run(
        ["make", "-n", *args], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("target", ["build", "daily"])
def test_vars_reach_the_dbt_command(target: str) -> None:
    dbt = [line for line in _dry(target, f"VARS={BYO}").splitlines() if " build " in line]
    assert len(dbt) == 1, dbt
    assert f"--vars '{BYO}'" in dbt[0]
    assert "--vars" not in _dry(target)  # without VARS: the project's defaults


def _dry_env(target: str, **env: str) -> str:
    """The commands `make -n` would run with these environment variables set."""
    return subprocess.run(
        ["make", "-n", "--no-print-directory", target],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    ).stdout


def test_the_demo_never_builds_into_a_users_own_warehouse() -> None:
    """A user who exported FEEDBACK_DUCKDB_PATH for their own data (README "Two commands",
    "Next") and runs `make demo` again: every dbt command of the demo writes the demo's
    file, and every command that reads a warehouse reads that same file. Before, the
    profile followed the variable, so the sample was built into the user's warehouse."""
    commands = _dry_env("demo", FEEDBACK_DUCKDB_PATH="/x/acme.duckdb").splitlines()
    dbt = [c for c in commands if "/dbt " in c]
    assert len(dbt) == 3, dbt  # seed, build v1, build v2
    assert all(c.startswith("FEEDBACK_DUCKDB_PATH=data/feedback.duckdb ") for c in dbt), dbt
    readers = [c for c in commands if "--db " in c]
    assert readers and all("--db data/feedback.duckdb" in c for c in readers), readers


def test_insights_read_the_users_warehouse() -> None:
    """`make insights` reads the warehouse `make build` wrote: FEEDBACK_DUCKDB_PATH when set."""
    # (under `make test` the outer make's MAKEFLAGS reach this one: read the line by content)
    commands = _dry_env("insights", FEEDBACK_DUCKDB_PATH="/x/acme.duckdb").splitlines()
    (line,) = [c for c in commands if "feedback insights" in c]
    # the shell expands the argument as make would run it
    out = subprocess.run(
        ["bash", "-c", "echo " + line[line.index("--db") :]],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "FEEDBACK_DUCKDB_PATH": "/x/acme.duckdb"},
    ).stdout
    assert out.split() == ["--db", "/x/acme.duckdb"]
