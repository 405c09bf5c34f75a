"""The local DuckDB profile's memory limit: 2 GB by default, set by an environment variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_helpers import run_dbt


def _memory_limit(work: Path, env: dict[str, str] | None = None) -> str:
    (work / "landing").mkdir(exist_ok=True)
    result = run_dbt(
        work,
        "show",
        "--inline",
        "select current_setting('memory_limit') as memory_limit",
        "--output",
        "json",
        env=env,
    )
    return result.stdout


@pytest.mark.e2e
def test_duckdb_memory_limit_defaults_to_2gb_and_follows_the_env_var(tmp_path: Path) -> None:
    default = _memory_limit(tmp_path)
    assert '"memory_limit": "1.8 GiB"' in default, default  # 2 GB = 1.86 GiB
    raised = _memory_limit(tmp_path, {"FEEDBACK_DUCKDB_MEMORY_LIMIT": "5GB"})
    assert '"memory_limit": "4.6 GiB"' in raised, raised  # 5 GB = 4.66 GiB
