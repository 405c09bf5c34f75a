"""The report's vendored plotly.js bundle is the plotly.js version the plotly package
ships (the figures' JSON is written for that version), and only the trace types the
report's charts use are needed from it."""

from __future__ import annotations

import re

from plotly.offline import get_plotlyjs

from feedback_lakehouse.reporting import report


def _version(js: str) -> str:
    found = re.search(r"plotly\.js (?:\([^)]*\) )?v(\d+\.\d+\.\d+)", js[:300])
    assert found, js[:300]
    return found[1]


def test_the_vendored_basic_bundle_matches_the_plotly_package() -> None:
    bundle = report.plotly_js()
    assert "plotly.js (basic - minified)" in bundle[:200]
    assert _version(bundle) == _version(get_plotlyjs())
    assert len(bundle.encode("utf-8")) < 1_300_000


def test_every_chart_uses_a_trace_type_of_the_basic_bundle() -> None:
    data = report.ReportData(
        as_of_date="2026-11-22",
        trend=[{"week_start_date": "2026-11-16", "main_category": "a", "complaints": 3}],
        skus=[
            {
                "product_sku": "S",
                "negative_this_week": 2,
                "negative_rate_this_week": 0.5,
                "top_negative_category": "a",
            }
        ],  # fmt: skip
        rising=[
            {
                "issue_key": "a",
                "z_score": 3.0,
                "is_rising": True,
                "count_this_week": 5,
                "baseline_weekly_mean": 1.0,
            }
        ],  # fmt: skip
        review_queue=[{"owner_team": "t", "review_reason": "low_confidence", "items": 4}],
        kpis=[
            {
                "kpi_scope": "all",
                "scope_value": "all",
                "median_minutes_to_insight": 1.0,
                "median_minutes_file_arrival_to_insight": 0.5,
            }
        ],  # fmt: skip
        alerts=[],
        roi=None,
        releases=[],
    )
    figures = [
        report.category_trend(data),
        report.sku_leaderboard(data),
        report.rising_issues(data),
        report.review_queue(data),
        report.time_to_insight(data),
    ]
    assert len(figures) == len(report.CHART_IDS)
    assert {trace.type for fig in figures for trace in fig.data} <= {"scatter", "bar", "pie"}
