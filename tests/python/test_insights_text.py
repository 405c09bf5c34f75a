"""What `feedback insights` and the HTML report say: products, short history, no baseline."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from feedback_lakehouse.reporting import insights, report


def _insights(**changes: Any) -> insights.Insights:
    values: dict[str, Any] = {
        "as_of_date": "2026-03-01",
        "top_topics": [],
        "worst_sku": {
            "product_sku": "Tops/1078",
            "negative_this_week": 7,
            "negative_rate_this_week": 0.35,
            "top_negative_category": "fit_sizing",
        },
        "rising": [],
        "owner_teams": [],
        "records": 10,
        "needing_review": 1,
        "status_counts": {"ok": 9, "needs_review": 1},
        "quarantined": 0,
    }
    values.update(changes)
    return insights.Insights(**values)


def _rising(**changes: Any) -> dict[str, Any]:
    row = {
        "rising_rank": 1,
        "issue_key": "fit_sizing / Tops/1078",
        "count_this_week": 12,
        "baseline_weekly_mean": 2.0,
        "z_score": 4.2,
        "baseline_weeks_observed": 2.0,
        "has_short_history": True,
        "is_rising": True,
    }
    row.update(changes)
    return row


def test_the_worst_sku_is_called_a_product() -> None:
    text = insights.render(_insights())
    assert "Product with the most negative feedback: Tops/1078 (7 negative" in text
    assert "SKU" not in text


def test_a_data_set_shorter_than_the_baseline_says_so() -> None:
    history = insights.History(
        issues=70, short_issues=70, data_weeks_observed=0.14, data_is_short=True
    )
    text = insights.render(_insights(history=history))
    assert "Short history: the data cover 0.14 baseline weeks" in text
    assert "not zero weeks" in text


def test_short_subjects_are_counted_and_marked() -> None:
    history = insights.History(issues=124, short_issues=8, short_rising=1)
    text = insights.render(_insights(rising=[_rising()], history=history))
    assert "Short history: 8 of 124 issues" in text
    assert "(1 of them rising)" in text
    assert "[only 2.0 baseline weeks of data]" in text
    full = insights.render(_insights(rising=[_rising(has_short_history=False)]))
    assert "Short history" not in full and "[only" not in full


def test_report_chart_shows_an_issue_without_baseline() -> None:
    rows = [
        _rising(),
        _rising(
            rising_rank=2,
            issue_key="account_login / app 9.0",
            baseline_weekly_mean=None,
            z_score=None,
            baseline_weeks_observed=0.0,
            is_rising=False,
        ),
    ]
    bar = report.rising_issues(SimpleNamespace(rising=rows)).data[0]
    assert list(bar.x) == [None, 4.2]
    assert list(bar.text) == [
        "12 this week; no baseline week of data yet",
        "12 this week vs 2.0/week (only 2.0 baseline weeks of data)",
    ]
