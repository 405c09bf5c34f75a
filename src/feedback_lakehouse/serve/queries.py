"""The numbers behind the pages, read from the built marts with the page filters applied.

Each count is computed from `fct_feedback_reporting` with the same conditions as the mart
that answers the question unfiltered (`rpt_top_issues_this_week`,
`rpt_sku_negative_feedback`, `rpt_owner_team_queue`, `rpt_pipeline_status`), so with no
filter the numbers are the marts' and each links to `/texts` with the same conditions.
"""

from __future__ import annotations

from typing import Any

import duckdb

from feedback_lakehouse.reporting import marts
from feedback_lakehouse.serve.filters import (
    COMPLAINT_TOPICS,
    Filters,
    combine,
    drill_where,
    records_sql,
)

TEXTS_LIMIT = 200


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def as_of_date(con: duckdb.DuckDBPyConnection, schema: str) -> Any:
    found = con.execute(f"select as_of_date from {schema}.int_reporting_calendar").fetchall()
    return found[0][0] if found else None


def options(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, list[str]]:
    """The values each filter offers (one scan of the records)."""
    columns = {
        "source": "source",
        "product": "product_sku",
        "owner_team": "suggested_owner",
        "language": "language",
        "status": "status",
    }
    selects = ", ".join(
        f"list(distinct {column} order by {column}) filter (where {column} is not null)"
        for column in columns.values()
    )
    found = con.execute(f"select {selects} from {records_sql(schema)}").fetchall()[0]
    return {name: list(values or []) for name, values in zip(columns, found, strict=True)}


def top_topics(con: duckdb.DuckDBPyConnection, schema: str, f: Filters) -> list[dict[str, Any]]:
    """rpt_top_issues_this_week with the filters: a record counts once per category it
    complains about (main or secondary, by that category's own sentiment)."""
    where, params = combine(f.where(), (["weeks_before_as_of <= 1"], []))
    sql = f"""
        select
            topic as main_category,
            max(topic_owner) as owner_team,
            count(case when weeks_before_as_of = 0 then 1 end) as complaints_this_week,
            count(case when weeks_before_as_of = 1 then 1 end) as complaints_last_week,
            avg(case when weeks_before_as_of = 0 then priority_score end) as avg_priority
        from (
            select r.*, c.topic, c.topic_owner
            from {records_sql(schema)}
            inner join ({COMPLAINT_TOPICS.format(schema=schema)}) as c using (feedback_id)
        ) as r
        {where}
        group by topic
        having count(case when weeks_before_as_of = 0 then 1 end) > 0
        order by complaints_this_week desc, avg_priority desc, main_category
        limit 5"""
    out = _rows(con, sql, params)
    for row in out:
        row["change_vs_last_week"] = row["complaints_this_week"] - row["complaints_last_week"]
    return out


def worst_products(
    con: duckdb.DuckDBPyConnection, schema: str, f: Filters, limit: int = 5
) -> list[dict[str, Any]]:
    extra = (["product_sku is not null", "not is_spam", "not is_empty"], [])
    where, params = combine(f.where(), extra)
    sql = f"""
        select
            product_sku,
            count(case when weeks_before_as_of = 0 and sentiment = 'negative' then 1 end)
                as negative_this_week,
            count(case when weeks_before_as_of = 0 then 1 end) as feedback_this_week,
            count(case when weeks_before_as_of < 4 and sentiment = 'negative' then 1 end)
                as negative_last_4_weeks,
            count(case when weeks_before_as_of < 4 then 1 end) as feedback_last_4_weeks
        from {records_sql(schema)} {where}
        group by product_sku
        order by negative_this_week desc, negative_last_4_weeks desc, product_sku
        limit {int(limit)}"""
    out = _rows(con, sql, params)
    for row in out:
        week = row["feedback_this_week"]
        row["negative_rate_this_week"] = row["negative_this_week"] / week if week else None
    return out


def rising(con: duckdb.DuckDBPyConnection, schema: str, f: Filters) -> list[dict[str, Any]]:
    """Rising issues from `rpt_rising_issues` (its z-scores need all the data: the page
    filters narrow the list to the filtered product only, and say so)."""
    sql = (
        f"select * from {schema}.rpt_rising_issues where is_rising "
        + ("and (issue_level != 'sku' or subject = ?) " if f.product else "")
        + "order by rising_rank limit 10"
    )
    out = _rows(con, sql, [f.product] if f.product else [])
    for row in out:
        drill: dict[str, str] = {"category": row["main_category"], "week": "0"}
        if row["issue_level"] == "sku":
            drill["sku"] = row["subject"]
        elif row["issue_level"] == "app_version":
            drill["app_version"] = row["subject"]
        row["drill"] = drill
    return out


def owner_load(con: duckdb.DuckDBPyConnection, schema: str, f: Filters) -> list[dict[str, Any]]:
    where, params = combine(f.where(), (["suggested_owner is not null"], []))
    sql = f"""
        select
            suggested_owner as owner_team,
            count(*) as items_total,
            count(case when weeks_before_as_of = 0 then 1 end) as items_this_week,
            count(case when urgency in ('high', 'critical') then 1 end) as urgent_items,
            count(case when needs_review then 1 end) as items_needing_review
        from {records_sql(schema)} {where}
        group by suggested_owner
        order by items_total desc, owner_team"""
    return _rows(con, sql, params)


def status_counts(con: duckdb.DuckDBPyConnection, schema: str, f: Filters) -> dict[str, int]:
    where, params = combine(f.where())
    sql = f"select status, count(*) as n from {records_sql(schema)} {where} group by 1"
    return {r["status"]: int(r["n"]) for r in _rows(con, sql, params)}


def texts(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    f: Filters,
    drill: dict[str, str],
    limit: int = TEXTS_LIMIT,
) -> tuple[int, list[dict[str, Any]]]:
    """(how many records the drill-down counts, the first `limit` of them by priority)."""
    where, params = combine(f.where(), drill_where(drill, schema))
    source = records_sql(schema)
    total = con.execute(f"select count(*) from {source} {where}", params).fetchall()[0][0]
    sql = f"""
        select feedback_id, created_date, source, product_sku, language, main_category,
            sentiment, urgency, status, suggested_owner, masked_text, priority_score
        from {source} {where}
        order by priority_score desc nulls last, feedback_id
        limit {int(limit)}"""
    return int(total), _rows(con, sql, params)


def counts_by(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    where: str,
    params: list[Any],
    column: str,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """Records per value of `column` (a name from the code, never from a request)."""
    sql = f"""
        select coalesce(cast({column} as varchar), '(none)') as value, count(*) as n
        from {records_sql(schema)} {where}
        group by 1 order by n desc, value limit {int(limit)}"""
    return _rows(con, sql, params)


def weekly_trend(
    con: duckdb.DuckDBPyConnection, schema: str, where: str, params: list[Any]
) -> list[dict[str, Any]]:
    sql = f"""
        select week_start_date as week, count(*) as n,
            count(case when sentiment = 'negative' then 1 end) as negative
        from {records_sql(schema)} {where}
        group by 1 order by 1"""
    return _rows(con, sql, params)


def categories(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """The categories of the taxonomy version in force (as review import checks them)."""
    sql = (
        f"select distinct category_id from {schema}_taxonomy.taxonomy_categories "
        f"where taxonomy_version in (select distinct taxonomy_version from "
        f"{schema}.fct_feedback where taxonomy_version is not null) order by 1"
    )
    return [r[0] for r in con.execute(sql).fetchall()]


def mart(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows of a mart query with parameters (`marts.rows` without them)."""
    return _rows(con, sql, params) if params else marts.rows(con, sql)
