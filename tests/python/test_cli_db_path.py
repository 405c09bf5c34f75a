"""Every `feedback` command that reads the warehouse finds it where dbt built it: the
--db default honours FEEDBACK_DUCKDB_PATH, as profiles/profiles.yml does (issue 15, 11)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from feedback_lakehouse.cli import main


def _db_defaults(group: click.Group, prefix: str = "") -> dict[str, object]:
    """command path -> the resolved default of its --db option, for every command."""
    found: dict[str, object] = {}
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            found.update(_db_defaults(command, f"{path} "))
            continue
        for param in command.params:
            if isinstance(param, click.Option) and "--db" in param.opts:
                with click.Context(command) as ctx:
                    found[path] = param.get_default(ctx)
    return found


def test_every_db_default_follows_feedback_duckdb_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built = tmp_path / "byo" / "warehouse.duckdb"
    monkeypatch.setenv("FEEDBACK_DUCKDB_PATH", str(built))
    defaults = _db_defaults(main)
    assert set(defaults) >= {
        "eval",
        "insights",
        "drift",
        "report",
        "review export",
        "review import",
    }
    for path, default in defaults.items():
        assert default is not None and Path(default) == built, path
    monkeypatch.delenv("FEEDBACK_DUCKDB_PATH")
    unset = _db_defaults(main)
    assert Path(unset["eval"]) == Path("data/feedback.duckdb")
    # `review import` checks ids against a file only when one is named or set
    assert unset["review import"] is None


def test_feedback_eval_after_a_byo_build_reads_the_env_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "elsewhere.duckdb"
    monkeypatch.setenv("FEEDBACK_DUCKDB_PATH", str(missing))
    result = CliRunner().invoke(main, ["eval"])
    assert result.exit_code != 0
    assert str(missing) in result.output
