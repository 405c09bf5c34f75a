"""Read the report marts and print what a product or support lead asks first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb


class InsightsError(RuntimeError):
    """The warehouse is missing or was not built."""


@dataclass
class Insights:
    as_of_date: Any
    top_topics: list[dict[str, Any]]
    worst_sku: dict[str, Any] | None
    rising: list[dict[str, Any]]
    owner_teams: list[dict[str, Any]]
    records: int
    needing_review: int
    status_counts: dict[str, int]
    quarantined: int

    @property
    def review_share(self) -> float:
        return self.needing_review / self.records if self.records else 0.0


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load(db_path: str | Path, schema: str = "main") -> Insights:
    db_path = Path(db_path)
    if not db_path.exists():
        raise InsightsError(f"{db_path} does not exist: run `make demo` (or dbt build) first")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        s = schema
        try:
            as_of = con.execute(f"select as_of_date from {s}.int_reporting_calendar").fetchall()
        except duckdb.CatalogException as err:
            raise InsightsError(
                f"{db_path} has no built marts in schema '{s}' ({err}); run `make demo`"
            ) from err
        status = _rows(
            con, f"select status, sum(records) as n from {s}.rpt_pipeline_status group by 1"
        )
        status_counts = {r["status"]: int(r["n"]) for r in status}
        return Insights(
            as_of_date=as_of[0][0] if as_of else None,
            top_topics=_rows(
                con, f"select * from {s}.rpt_top_issues_this_week order by topic_rank limit 5"
            ),
            worst_sku=next(
                iter(_rows(con, f"select * from {s}.rpt_sku_negative_feedback where sku_rank = 1")),
                None,
            ),
            rising=_rows(
                con,
                f"select * from {s}.rpt_rising_issues where is_rising order by rising_rank limit 5",
            ),
            owner_teams=_rows(
                con, f"select * from {s}.rpt_owner_team_queue order by items_total desc"
            ),
            records=sum(status_counts.values()),
            needing_review=status_counts.get("needs_review", 0),
            status_counts=status_counts,
            quarantined=con.execute(f"select count(*) from {s}.rpt_quarantined_rows").fetchall()[0][
                0
            ],
        )
    finally:
        con.close()


def render(ins: Insights) -> str:
    out: list[str] = [f"Feedback insights for the week ending {ins.as_of_date}", ""]
    out.append("Top complaint topics this week")
    for t in ins.top_topics:
        out.append(
            f"  {t['topic_rank']}. {t['main_category']:<20} {t['complaints_this_week']:>5} "
            f"complaints ({t['change_vs_last_week']:+d} vs last week)  owner: {t['owner_team']}"
        )
    out.append("")
    if ins.worst_sku:
        w = ins.worst_sku
        rate = w["negative_rate_this_week"] or 0
        out.append(
            f"SKU with the most negative feedback: {w['product_sku']} "
            f"({w['negative_this_week']} negative this week, {rate:.0%} of its feedback; "
            f"mostly {w['top_negative_category']})"
        )
        out.append("")
    out.append("Fastest-rising issues (significant week-over-week growth)")
    if not ins.rising:
        out.append("  none past the thresholds")
    for r in ins.rising:
        out.append(
            f"  {r['rising_rank']}. {r['issue_key']:<40} {r['count_this_week']:>4} this week "
            f"vs {r['baseline_weekly_mean']:.1f}/week before (z={r['z_score']:.1f})"
        )
    out.append("")
    out.append("Items routed to each owner team")
    for o in ins.owner_teams:
        out.append(
            f"  {o['owner_team']:<22} {o['items_total']:>6} items, {o['items_this_week']:>5} "
            f"this week, {o['urgent_items']:>5} urgent"
        )
    out.append("")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(ins.status_counts.items()))
    out.append(
        f"Needing human review: {ins.needing_review} of {ins.records} records "
        f"({ins.review_share:.1%}); statuses: {counts}; quarantined landing rows: "
        f"{ins.quarantined}"
    )
    return "\n".join(out)
