"""One self-contained HTML report with charts, built from the marts (plotly, inlined).

Sections: the KPI tiles and their definitions, this week's alerts (rising issues and
critical items), the top issues of the week with representative quotes, the theme
impact table (how much each category moves the rating), the trend of the top complaint
categories, the product (SKU) leaderboard, rising issues, the review queue, hours to
label, and release impact. The quotes and the impact numbers come from
`issue_insight`, the same functions the workspace calls, so both show the same thing.

plotly.js is embedded once, inline, so the file opens offline and can be mailed: the
"basic" partial bundle (scatter and bar traces, all these charts use) of the plotly.js
version the plotly package ships, 1.2 MB instead of the full bundle's 4.8 MB. It is kept
gzipped in `assets/` (from npm's plotly.js-basic-dist-min, MIT licence beside it).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go

from feedback_lakehouse.reporting import marts
from feedback_lakehouse.reporting.issue_insight import representative_quotes, theme_impact
from feedback_lakehouse.reporting.report_sections import DEFINITIONS, esc, issue_sections, table

TOP_CATEGORIES = 5
TOP_ISSUES = 5
QUOTES_PER_ISSUE = 3
# the top issues' records: this week's complaints, as rpt_top_issues_this_week counts them
ISSUE_WHERE = "weeks_before_as_of = 0 and sentiment in ('negative', 'mixed')"
PLOTLY_BUNDLE = "plotly-basic.min.js.gz"
CHART_IDS = (
    "chart-category-trend",
    "chart-sku-leaderboard",
    "chart-rising-issues",
    "chart-review-queue",
    "chart-time-to-insight",
)


class ReportError(RuntimeError):
    """The warehouse is missing or its marts were not built."""


@dataclass
class ReportData:
    as_of_date: Any
    trend: list[dict[str, Any]]
    skus: list[dict[str, Any]]
    rising: list[dict[str, Any]]
    review_queue: list[dict[str, Any]]
    kpis: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    roi: dict[str, Any] | None
    releases: list[dict[str, Any]]
    issues: list[dict[str, Any]] = field(default_factory=list)
    impact: list[dict[str, Any]] = field(default_factory=list)
    review_queue_items: int = 0


def load(db_path: str | Path, schema: str = "main") -> ReportData:
    db_path = Path(db_path)
    con = marts.connect(db_path, ReportError)
    try:
        try:
            as_of = con.execute(f"select max(created_date) from {schema}.fct_feedback").fetchall()
        except duckdb.CatalogException as err:
            raise ReportError(
                f"{db_path} has no marts in schema '{schema}' ({err}); run dbt build"
            ) from err
        data = ReportData(as_of_date=as_of[0][0] if as_of else None, **_marts(con, schema))
        data.issues = _top_issues(con, schema)
        data.impact = theme_impact(con, schema=schema)
        data.review_queue_items = sum(int(r["items"]) for r in data.review_queue)
        return data
    finally:
        con.close()


def _marts(con: duckdb.DuckDBPyConnection, s: str) -> dict[str, Any]:
    trend = marts.rows(
        con,
        f"""
        with top as (
            select main_category from {s}.rpt_weekly_issue_trends
            where main_category not in ('praise', 'unknown') and weeks_before_as_of < 4
            group by main_category
            order by sum(complaint_items) desc, main_category
            limit {TOP_CATEGORIES}
        )
        select t.week_start_date, t.main_category, sum(t.complaint_items) as complaints
        from {s}.rpt_weekly_issue_trends as t
        inner join top on t.main_category = top.main_category
        group by t.week_start_date, t.main_category
        order by t.main_category, t.week_start_date
        """,
    )
    return {
        "trend": trend,
        "skus": marts.rows(
            con, f"select * from {s}.rpt_sku_negative_feedback order by sku_rank limit 10"
        ),
        "rising": marts.rows(
            con, f"select * from {s}.rpt_rising_issues order by rising_rank limit 12"
        ),
        "review_queue": marts.rows(
            con,
            f"select coalesce(suggested_owner, '(unrouted)') as owner_team, review_reason, "
            f"count(*) as items from {s}.rpt_review_queue group by all order by 1, 2",
        ),
        "kpis": marts.rows(con, f"select * from {s}.rpt_pipeline_kpis order by kpi_key"),
        "alerts": marts.rows(
            con,
            f"select * from {s}.rpt_alerts order by case alert_type when 'rising_issue' "
            "then 0 else 1 end, coalesce(z_score, 0) desc, metric_value desc, alert_id",
        ),
        "roi": next(iter(marts.rows(con, f"select * from {s}.rpt_roi_deflection")), None),
        "releases": marts.rows(
            con, f"select * from {s}.rpt_release_impact order by release_date desc"
        ),
    }


def _top_issues(con: duckdb.DuckDBPyConnection, s: str) -> list[dict[str, Any]]:
    """This week's top complaint categories, each with its most central quotes."""
    issues = marts.rows(
        con,
        f"select * from {s}.rpt_top_issues_this_week order by topic_rank limit {TOP_ISSUES}",
    )
    for issue in issues:
        issue["quotes"] = representative_quotes(
            con, issue["main_category"], ISSUE_WHERE, k=QUOTES_PER_ISSUE, schema=s
        )
    return issues


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The vendored plotly.js basic bundle (see the module docstring)."""
    asset = resources.files("feedback_lakehouse.reporting").joinpath("assets", PLOTLY_BUNDLE)
    return gzip.decompress(asset.read_bytes()).decode("utf-8")


# ---------------------------------------------------------------------------- charts
def _layout(fig: go.Figure, title: str, **extra: Any) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        template="plotly_white",
        height=420,
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
        legend={"orientation": "h", "y": -0.2},
        **extra,
    )
    return fig


def category_trend(data: ReportData) -> go.Figure:
    fig = go.Figure()
    for category in sorted({r["main_category"] for r in data.trend}):
        points = [r for r in data.trend if r["main_category"] == category]
        fig.add_trace(
            go.Scatter(
                x=[str(p["week_start_date"]) for p in points],
                y=[int(p["complaints"]) for p in points],
                mode="lines+markers",
                name=category,
            )
        )
    return _layout(
        fig,
        f"Weekly complaints, top {TOP_CATEGORIES} categories of the last four weeks",
        xaxis_title="week starting",
        yaxis_title="negative or mixed items",
    )


def sku_leaderboard(data: ReportData) -> go.Figure:
    skus = list(reversed(data.skus))
    fig = go.Figure(
        go.Bar(
            x=[int(r["negative_this_week"]) for r in skus],
            y=[r["product_sku"] for r in skus],
            orientation="h",
            text=[
                f"{(r['negative_rate_this_week'] or 0):.0%} negative; {r['top_negative_category']}"
                for r in skus
            ],
            textposition="auto",
            marker_color="#c0392b",
            name="negative this week",
        )
    )
    return _layout(
        fig, "Products with the most negative feedback this week (SKU)", xaxis_title="items"
    )


def rising_issues(data: ReportData) -> go.Figure:
    rows = list(reversed(data.rising))
    fig = go.Figure(
        go.Bar(
            # no z (and no bar) for an issue without an observed baseline week
            x=[None if r["z_score"] is None else float(r["z_score"]) for r in rows],
            y=[r["issue_key"] for r in rows],
            orientation="h",
            marker_color=["#c0392b" if r["is_rising"] else "#95a5a6" for r in rows],
            text=[_rising_text(r) for r in rows],
            textposition="auto",
            name="z-score",
        )
    )
    return _layout(
        fig,
        "Rising issues: significance of this week's volume (red = past the thresholds)",
        xaxis_title="Poisson z-score against the baseline",
    )


def _rising_text(row: dict[str, Any]) -> str:
    if row["baseline_weekly_mean"] is None:
        return f"{row['count_this_week']} this week; no baseline week of data yet"
    text = f"{row['count_this_week']} this week vs {float(row['baseline_weekly_mean']):.1f}/week"
    if row.get("has_short_history"):
        text += f" (only {float(row['baseline_weeks_observed']):.1f} baseline weeks of data)"
    return text


def review_queue(data: ReportData) -> go.Figure:
    fig = go.Figure()
    teams = sorted({r["owner_team"] for r in data.review_queue})
    for reason in sorted({r["review_reason"] for r in data.review_queue}):
        counts = {
            r["owner_team"]: int(r["items"])
            for r in data.review_queue
            if r["review_reason"] == reason
        }
        fig.add_trace(go.Bar(x=teams, y=[counts.get(t, 0) for t in teams], name=reason))
    return _layout(
        fig,
        f"Review queue: {data.review_queue_items:,} items, by owner team and reason",
        barmode="stack",
        yaxis_title="items",
    )


def time_to_insight(data: ReportData) -> go.Figure:
    rows = [r for r in data.kpis if r["kpi_scope"] == "source"] + [
        r for r in data.kpis if r["kpi_scope"] == "all"
    ]
    names = [r["scope_value"] for r in rows]
    fig = go.Figure(
        [
            go.Bar(
                x=names,
                y=[r["median_minutes_to_insight"] or 0 for r in rows],
                name="median minutes, ingested -> label in the marts",
            ),
            go.Bar(
                x=names,
                y=[r["median_minutes_file_arrival_to_insight"] or 0 for r in rows],
                name="median minutes, file arrived -> label in the marts",
            ),
        ]
    )
    return _layout(
        fig,
        "Time to insight (median): loaded / file arrived to label in the marts",
        barmode="group",
        yaxis_title="minutes",
    )


# ---------------------------------------------------------------------------- page
_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 24px auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0; } .sub { color: #666; margin-top: 4px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.tile { border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.tile b { display: block; font-size: 1.4em; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 24px; font-size: 0.92em; }
th, td { border-bottom: 1px solid #eee; padding: 4px 6px; text-align: left; vertical-align: top; }
.chart { margin: 12px 0 28px; }
.critical { color: #c0392b; font-weight: bold; }
blockquote { margin: 6px 0 6px 12px; padding: 4px 10px; border-left: 3px solid #ccc; }
blockquote cite { display: block; color: #666; font-size: 0.85em; font-style: normal; }
"""


def _tiles(data: ReportData) -> str:
    overall = next((k for k in data.kpis if k["kpi_scope"] == "all"), None)
    tiles: list[tuple[str, str]] = []
    if overall:
        records = int(overall["records"] or 0)
        queue = data.review_queue_items
        share = f" ({queue / records:.1%} of records)" if records else ""
        tiles += [
            ("feedback records", f"{records:,}"),
            ("enrichment coverage", f"{(overall['enrichment_coverage'] or 0):.1%}"),
            ("in the review queue", f"{queue:,}{share}"),
            ("other / unknown", f"{(overall['other_or_unknown_rate'] or 0):.1%}"),
            ("median minutes to insight", f"{(overall['median_minutes_to_insight'] or 0):.1f}"),
            ("enrichment cost", f"${(overall['enrichment_cost_usd'] or 0):,.2f}"),
        ]
    if data.roi:
        tiles.append(("analyst hours saved", f"{data.roi['analyst_hours_saved']:,.1f}"))
    tiles.append(("alerts", str(len(data.alerts))))
    return "".join(f'<div class="tile">{esc(label)}<b>{esc(v)}</b></div>' for label, v in tiles)


def _charts(data: ReportData) -> str:
    """The five charts as HTML divs (plotly.js is inlined once, in the page head)."""
    figures = {
        "chart-category-trend": category_trend(data),
        "chart-sku-leaderboard": sku_leaderboard(data),
        "chart-rising-issues": rising_issues(data),
        "chart-review-queue": review_queue(data),
        "chart-time-to-insight": time_to_insight(data),
    }
    config = {"displaylogo": False, "responsive": True}
    charts = "".join(
        '<div class="chart">'
        + fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=config)
        + "</div>"
        for div_id, fig in figures.items()
    )
    return charts


def render(data: ReportData, generated_at: datetime | None = None) -> str:
    """The whole page as one HTML string (plotly.js inline)."""
    generated = (generated_at or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    charts = _charts(data)
    alerts = table(
        data.alerts,
        [
            ("severity", "severity"),
            ("alert_type", "type"),
            ("title", "alert"),
            ("owner_team", "owner"),
            ("team_channel", "channel"),
        ],
        "alerts",
    )
    releases = table(
        data.releases,
        [
            ("release_date", "date"),
            ("release_id", "release / fix"),
            ("category", "category"),
            ("complaints_before", "before"),
            ("complaints_after", "after"),
            ("days_after_observed", "days after"),
            ("impact", "impact"),
        ],
        "releases",
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Feedback report, week ending {esc(data.as_of_date)}</title>
<style>{_CSS}</style>
<script type="text/javascript">{plotly_js()}</script>
</head>
<body>
<h1>Customer feedback report</h1>
<p class="sub">Week ending {esc(data.as_of_date)}; generated {esc(generated)} from the
Feedback Lakehouse marts.</p>
<div class="tiles">{_tiles(data)}</div>
{DEFINITIONS}
<h2>Alerts this week</h2>
{alerts}
{issue_sections(data)}
{charts}
<h2>Releases and fixes: complaints before and after</h2>
{releases}
</body>
</html>
"""


def write_report(db_path: str | Path, out: str | Path, schema: str = "main") -> Path:
    out = Path(out)
    page = render(load(db_path, schema))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)
    return out
