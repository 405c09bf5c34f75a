"""Quotes, digest and theme impact for the issue and product pages.

`feedback_lakehouse.reporting.issue_insight` (written on another branch) provides
`representative_quotes`, `issue_digest` and `theme_impact`. This adapter calls them when
that module is importable and otherwise falls back: quotes are the most recent negative
masked texts of the issue, the digest is `None` (the page says it is not available) and
theme impact is `None` (the page hides it). `where_sql` is a `where ...` clause (or '')
over the masked records of `filters.records_sql`, with `?` parameters in `params`.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import duckdb

from feedback_lakehouse.serve.filters import records_sql


def _module() -> ModuleType | None:
    try:
        return importlib.import_module("feedback_lakehouse.reporting.issue_insight")
    except ImportError:
        return None


def representative_quotes(
    con: duckdb.DuckDBPyConnection,
    category_id: str,
    where_sql: str,
    params: list[Any],
    k: int = 5,
    schema: str = "main",
) -> list[dict[str, Any]]:
    module = _module()
    if module is not None and hasattr(module, "representative_quotes"):
        return list(module.representative_quotes(con, category_id, where_sql, params, k=k))
    clause = f"{where_sql} and" if where_sql else "where"
    sql = f"""
        select feedback_id, created_date, source, product_sku, sentiment, masked_text
        from {records_sql(schema)}
        {clause} main_category = ? and sentiment in ('negative', 'mixed')
            and masked_text is not null and not is_spam
        order by created_at desc, feedback_id
        limit {int(k)}"""
    cursor = con.execute(sql, [*params, category_id])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def issue_digest(
    con: duckdb.DuckDBPyConnection, category_id: str, where_sql: str, params: list[Any]
) -> dict[str, Any] | None:
    """The issue digest, or None when the digest module is not available."""
    module = _module()
    if module is None or not hasattr(module, "issue_digest"):
        return None
    return dict(module.issue_digest(con, category_id, where_sql, params))


def theme_impact(
    con: duckdb.DuckDBPyConnection, where_sql: str, params: list[Any]
) -> list[dict[str, Any]] | None:
    """Per category, how much it moves the rating; None (hidden) when not available."""
    module = _module()
    if module is None or not hasattr(module, "theme_impact"):
        return None
    return list(module.theme_impact(con, where_sql, params))


def available() -> bool:
    """True when the issue insight module is importable."""
    return _module() is not None
