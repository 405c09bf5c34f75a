"""What each page shows: one function per page, returning the template's context.

The functions take an open read-only connection, the schema of the marts and the page
filters; they never write. `feedback_lakehouse.serve.app` renders them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from feedback_lakehouse.serve import charts, insight_adapter, queries, review_desk
from feedback_lakehouse.serve.filters import (
    DRILLS,
    Filters,
    combine,
    drill_where,
    records_sql,
)

Con = duckdb.DuckDBPyConnection


def this_week(con: Con, schema: str, f: Filters) -> dict[str, Any]:
    """The questions of `feedback insights`, each number a link to its texts."""
    status = queries.status_counts(con, schema, f)
    records = sum(status.values())
    review = status.get("needs_review", 0)
    return {
        "top_topics": queries.top_topics(con, schema, f),
        "worst_products": queries.worst_products(con, schema, f),
        "rising": queries.rising(con, schema, f),
        "owner_load": queries.owner_load(con, schema, f),
        "status": status,
        "records": records,
        "needing_review": review,
        "review_share": review / records if records else 0.0,
    }


def texts(con: Con, schema: str, f: Filters, query: dict[str, str]) -> dict[str, Any]:
    """The records a number counts (`query` holds the drill-down names of `DRILLS`)."""
    drill = {k: v for k, v in query.items() if k in DRILLS}
    total, rows = queries.texts(con, schema, f, drill)
    return {"drill": drill, "total": total, "rows": rows, "limit": queries.TEXTS_LIMIT}


def issue(
    con: Con,
    schema: str,
    f: Filters,
    category: str,
    product: str = "",
    app_version: str = "",
    digest_provider: Any = None,
) -> dict[str, Any]:
    """One category, alone or for one product or app version."""
    drill = {"category": category}
    if product:
        drill["sku"] = product
    if app_version:
        drill["app_version"] = app_version
    where, params = combine(f.where(), drill_where(drill, schema))
    scope = {k: v for k, v in drill.items() if k != "category"}
    total = con.execute(f"select count(*) from {records_sql(schema)} {where}", params)
    release_sql = (
        f"select * from {schema}.rpt_release_impact where category = ? "
        + ("and (product_sku is null or product_sku = ?) " if product else "")
        + "order by release_date desc"
    )
    return {
        "category": category,
        "scope": scope,
        "drill": drill,
        "total": int(total.fetchall()[0][0]),
        "trend": charts.weekly_line(
            "chart-trend", "records per week", queries.weekly_trend(con, schema, where, params)
        ),
        "sentiment": charts.bar(
            "chart-sentiment",
            "sentiment",
            queries.counts_by(con, schema, where, params, "sentiment"),
        ),
        "products": queries.counts_by(con, schema, where, params, "product_sku"),
        "sources": queries.counts_by(con, schema, where, params, "source"),
        "languages": queries.counts_by(con, schema, where, params, "language"),
        "quotes": insight_adapter.representative_quotes(
            con, category, where, params, k=5, schema=schema
        ),
        "digest": insight_adapter.issue_digest(
            con, category, where, params, schema=schema, provider=digest_provider
        ),
        "releases": queries.mart(con, release_sql, [category, *([product] if product else [])]),
        "tickets": _tickets(con, schema, where, params),
        **_follow_up(con, schema, category),
    }


def _follow_up(con: Con, schema: str, category: str) -> dict[str, Any]:
    """What happened after: the helpdesk's cycle time for the category and the state of
    the Jira issues its alerts created (`feedback alerts sync`), with the complaint
    volume before the issue and since it was resolved. Unfiltered: they are per category."""
    return {
        "cycle_time": queries.mart(
            con, f"select * from {schema}.rpt_ticket_cycle_time where main_category = ?", [category]
        ),
        "jira": queries.mart(
            con,
            f"select * from {schema}.rpt_alert_issues where main_category = ? "
            "order by issue_created_at desc",
            [category],
        ),
    }


def _tickets(con: Con, schema: str, where: str, params: list[Any]) -> list[dict[str, Any]]:
    """The issue's support tickets (source helpdesk), newest first."""
    clause = f"{where} and" if where else "where"
    sql = f"""
        select feedback_id, created_date, status, urgency, masked_text
        from {records_sql(schema)} {clause} source = 'helpdesk_tickets'
        order by created_at desc, feedback_id limit 10"""
    return queries.mart(con, sql, params)


def products(con: Con, schema: str, f: Filters) -> dict[str, Any]:
    """The product leaderboard and, when available, each category's impact on ratings."""
    where, params = combine(f.where())
    return {
        "products": queries.worst_products(con, schema, f, limit=50),
        "impact": insight_adapter.theme_impact(con, where, params, schema=schema),
    }


def product(con: Con, schema: str, f: Filters, sku: str) -> dict[str, Any]:
    """One product: its categories, sentiment, trend and ratings."""
    where, params = combine(f.where(), drill_where({"sku": sku}, schema))
    sql = f"""
        select coalesce(main_category, '(none)') as category, count(*) as n,
            count(case when sentiment = 'negative' then 1 end) as negative,
            round(avg(rating_normalized), 3) as avg_rating
        from {records_sql(schema)} {where}
        group by 1 order by n desc, category"""
    by_category = queries.mart(con, sql, params)
    return {
        "sku": sku,
        "by_category": by_category,
        "total": sum(int(r["n"]) for r in by_category),
        "sentiment": charts.bar(
            "chart-sentiment",
            "sentiment",
            queries.counts_by(con, schema, where, params, "sentiment"),
        ),
        "trend": charts.weekly_line(
            "chart-trend", "records per week", queries.weekly_trend(con, schema, where, params)
        ),
        "impact": insight_adapter.theme_impact(con, where, params, schema=schema),
    }


def review(con: Con, schema: str, f: Filters, landing_dir: Path, skip: str = "") -> dict[str, Any]:
    """The next queue item not decided yet (nor skipped: `skip`, comma-separated ids),
    and the decisions waiting for a build."""
    landed = review_desk.landed_decisions(landing_dir)
    skipped = {s for s in skip.split(",") if s}
    item, left = review_desk.next_item(con, schema, f, {d["feedback_id"] for d in landed} | skipped)
    return {
        "item": item,
        "items_left": left,
        "categories": queries.categories(con, schema),
        "recent": landed[:10],
        "pending": len(landed),
    }
