"""Reading the built marts: one read-only DuckDB connection and rows as dicts, shared by
the insights, drift and report commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb


def connect(db_path: str | Path, error: type[Exception]) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the built database, or `error` saying how to build it."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise error(f"{db_path} does not exist: run `make demo` (or dbt build) first")
    return duckdb.connect(str(db_path), read_only=True)


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    """The query's rows as dicts keyed by column name."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
