"""Read the report marts and print what a product or support lead asks first."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from feedback_lakehouse.reporting import marts


class InsightsError(RuntimeError):
    """The warehouse is missing or was not built."""


@dataclass
class History:
    """How much of the rising-issue baseline the data cover (from rpt_rising_issues)."""

    issues: int = 0  # issues with items this week
    short_issues: int = 0  # of those, with fewer baseline weeks observed than configured
    short_rising: int = 0  # of those, flagged rising
    data_weeks_observed: float | None = None  # baseline weeks the whole data set covers
    data_is_short: bool = False  # the data set itself began inside the baseline window


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
    history: History = field(default_factory=History)

    @property
    def review_share(self) -> float:
        return self.needing_review / self.records if self.records else 0.0


def load(db_path: str | Path, schema: str = "main") -> Insights:
    db_path = Path(db_path)
    con = marts.connect(db_path, InsightsError)
    try:
        s = schema
        try:
            as_of = con.execute(f"select as_of_date from {s}.int_reporting_calendar").fetchall()
        except duckdb.CatalogException as err:
            raise InsightsError(
                f"{db_path} has no built marts in schema '{s}' ({err}); run `make demo`"
            ) from err
        status = marts.rows(
            con, f"select status, sum(records) as n from {s}.rpt_pipeline_status group by 1"
        )
        status_counts = {r["status"]: int(r["n"]) for r in status}
        history = marts.rows(
            con,
            "select count(*) as issues, "
            "count(case when has_short_history then 1 end) as short_issues, "
            "count(case when has_short_history and is_rising then 1 end) as short_rising, "
            "max(case when issue_level = 'category' then baseline_weeks_observed end) "
            "as data_weeks_observed, "
            "coalesce(bool_or(issue_level = 'category' and has_short_history), false) "
            f"as data_is_short from {s}.rpt_rising_issues",
        )[0]
        return Insights(
            as_of_date=as_of[0][0] if as_of else None,
            top_topics=marts.rows(
                con, f"select * from {s}.rpt_top_issues_this_week order by topic_rank limit 5"
            ),
            worst_sku=next(
                iter(
                    marts.rows(
                        con, f"select * from {s}.rpt_sku_negative_feedback where sku_rank = 1"
                    )
                ),
                None,
            ),
            rising=marts.rows(
                con,
                f"select * from {s}.rpt_rising_issues where is_rising order by rising_rank limit 5",
            ),
            owner_teams=marts.rows(
                con, f"select * from {s}.rpt_owner_team_queue order by items_total desc"
            ),
            records=sum(status_counts.values()),
            needing_review=status_counts.get("needs_review", 0),
            status_counts=status_counts,
            quarantined=con.execute(f"select count(*) from {s}.rpt_quarantined_rows").fetchall()[0][
                0
            ],
            history=History(**history),
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
            f"Product with the most negative feedback: {w['product_sku']} "
            f"({w['negative_this_week']} negative this week, {rate:.0%} of its feedback; "
            f"mostly {w['top_negative_category']})"
        )
        out.append("")
    out.append("Fastest-rising issues (significant week-over-week growth)")
    if not ins.rising:
        out.append("  none past the thresholds")
    for r in ins.rising:
        short = (
            f" [only {r['baseline_weeks_observed']:.1f} baseline weeks of data]"
            if r.get("has_short_history")
            else ""
        )
        out.append(
            f"  {r['rising_rank']}. {r['issue_key']:<40} {r['count_this_week']:>4} this week "
            f"vs {r['baseline_weekly_mean']:.1f}/week before (z={r['z_score']:.1f}){short}"
        )
    out.extend(_history_lines(ins.history))
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


def _history_lines(h: History) -> list[str]:
    """Say when the rising-issue baseline rests on less history than configured."""
    if h.data_is_short:
        weeks = h.data_weeks_observed or 0.0
        return [
            f"  Short history: the data cover {weeks:.2f} baseline weeks, fewer than "
            "rising_baseline_weeks; weeks",
            "  before the data began are not zero weeks, and an issue needs "
            "rising_min_baseline_weeks of data to rise.",
        ]
    if h.short_issues:
        return [
            f"  Short history: {h.short_issues} of {h.issues} issues have less than "
            "rising_baseline_weeks of data",
            "  (new products or app versions); only their observed weeks count "
            f"({h.short_rising} of them rising).",
        ]
    return []
