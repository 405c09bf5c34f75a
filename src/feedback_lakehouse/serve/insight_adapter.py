"""Quotes, digest and theme impact for the issue and product pages.

The numbers come from `feedback_lakehouse.reporting.issue_insight`, the one source the
HTML report reads too, so the workspace and the report cannot disagree. The pages build
a `where ...` clause (or '') over `fct_feedback_reporting` columns with `?` parameters
(`filters.combine`); `issue_insight` takes the bare boolean expression, so this module
only translates between the two.
"""

from __future__ import annotations

from typing import Any

import duckdb

from feedback_lakehouse.reporting import issue_insight


def condition(where_sql: str) -> str:
    """`where a and b` -> `a and b`; '' -> `true`."""
    text = where_sql.strip()
    if not text:
        return "true"
    if text[:6].lower() != "where ":
        raise ValueError(f"expected a `where ...` clause or '', got {where_sql!r}")
    return text[6:]


def representative_quotes(
    con: duckdb.DuckDBPyConnection,
    category_id: str,
    where_sql: str,
    params: list[Any],
    k: int = 5,
    schema: str = "main",
) -> list[dict[str, Any]]:
    """The issue's texts nearest its centre (masked)."""
    return issue_insight.representative_quotes(
        con, category_id, condition(where_sql), params, k=k, schema=schema
    )


def issue_digest(
    con: duckdb.DuckDBPyConnection,
    category_id: str,
    where_sql: str,
    params: list[Any],
    schema: str = "main",
    provider: Any = None,
) -> dict[str, Any]:
    """The extractive digest, or with an LLM `provider` (`feedback serve
    --digest-provider`) the map-reduce summary over all the issue's texts, cached by
    their hashes and the prompt version beside the database."""
    return issue_insight.issue_digest(
        con, category_id, condition(where_sql), params, provider, schema=schema
    )


def theme_impact(
    con: duckdb.DuckDBPyConnection, where_sql: str, params: list[Any], schema: str = "main"
) -> list[dict[str, Any]]:
    """Per category, its effect on the 1-5 rating with a 95% interval."""
    return issue_insight.theme_impact(con, condition(where_sql), params, schema=schema)
