"""The filters every page carries (date range, source, product, owner team, language,
status) and the drill-downs behind each number, as a SQL `where` over the records.

Every page reads `fct_feedback_reporting` through `records_sql()`: the masked text and
the labels only (never `original_text` or `cleaned_text`), so a page can show nothing a
`srv_` view would not. Values are always bound parameters (`?`), never pasted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

# the columns the workspace may read; masked text only
RECORD_COLUMNS = (
    "feedback_id",
    "source",
    "channel",
    "product_sku",
    "app_version",
    "customer_tier",
    "rating_normalized",
    "masked_text",
    "language",
    "main_category",
    "sentiment",
    "urgency",
    "suggested_owner",
    "short_summary",
    "priority_score",
    "status",
    "status_reason",
    "needs_review",
    "is_reviewed",
    "is_spam",
    "is_empty",
    "created_at",
    "created_date",
    "week_start_date",
    "weeks_before_as_of",
)


def records_sql(schema: str) -> str:
    """The records every page reads, as a subquery aliased `r` (masked columns only)."""
    return f"(select {', '.join(RECORD_COLUMNS)} from {schema}.fct_feedback_reporting) as r"


# the records' column each filter reads (Filters.where)
FILTER_COLUMNS = {
    "date": "created_date",
    "source": "source",
    "product": "product_sku",
    "owner_team": "suggested_owner",
    "language": "language",
    "status": "status",
}


class FilterError(ValueError):
    """A filter value cannot be used; the message says which and what is expected."""


@dataclass(frozen=True)
class Filters:
    """The page filters; empty strings mean "all"."""

    date_from: str = ""
    date_to: str = ""
    source: str = ""
    product: str = ""
    owner_team: str = ""
    language: str = ""
    status: str = ""

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Filters:
        values = {f.name: (query.get(f.name) or "").strip() for f in fields(cls)}
        for name in ("date_from", "date_to"):
            if values[name]:
                try:
                    date.fromisoformat(values[name])
                except ValueError as err:
                    raise FilterError(
                        f"{name} {values[name]!r} is not a date like 2026-11-23 (YYYY-MM-DD)"
                    ) from err
        return cls(**values)

    def where(self, columns: dict[str, str] | None = None) -> tuple[list[str], list[Any]]:
        """SQL conditions on the records and their parameters; `columns` names another
        column for a filter (e.g. {"source": "q.source"}), else the records' alias-free
        names (`FILTER_COLUMNS`)."""
        names = {**FILTER_COLUMNS, **(columns or {})}
        conditions: list[str] = []
        params: list[Any] = []
        if self.date_from:
            conditions.append(f"{names['date']} >= cast(? as date)")
            params.append(self.date_from)
        if self.date_to:
            conditions.append(f"{names['date']} <= cast(? as date)")
            params.append(self.date_to)
        for name in ("source", "product", "owner_team", "language", "status"):
            column, value = names[name], getattr(self, name)
            if value:
                conditions.append(f"{column} = ?")
                params.append(value)
        return conditions, params

    def query(self) -> dict[str, str]:
        """The non-empty filters, for links that keep them."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def but(self, **changes: str) -> Filters:
        """These filters with `changes` (for links that set one filter)."""
        return replace(self, **changes)

    @property
    def active(self) -> bool:
        return bool(self.query())


# drill-downs: what a number counts, as conditions a /texts link names
# a complaint about a category: the record's own sentiment about that category (aspect
# sentiment, fct_feedback_category_sentiments) is negative or mixed, as
# rpt_top_issues_this_week counts it; main or secondary category
COMPLAINT_TOPICS = """
    select feedback_id, category as topic, owner_team as topic_owner
    from {schema}.fct_feedback_category_sentiments
    where
        category_sentiment in ('negative', 'mixed')
        and category not in ('praise', 'unknown')"""
DRILLS: dict[str, tuple[str, bool]] = {
    # name: (condition, takes a value)
    "category": ("main_category = ?", True),
    "sentiment": ("sentiment = ?", True),
    "week": ("weeks_before_as_of = cast(? as integer)", True),
    "sku": ("product_sku = ?", True),
    "app_version": ("app_version = ?", True),
    "owner": ("suggested_owner = ?", True),
    "complaint_about": (
        "feedback_id in (select feedback_id from ({topics}) where topic = ?)",
        True,
    ),
    "negative": ("sentiment = 'negative'", False),
    "urgent": ("urgency in ('high', 'critical')", False),
    "needs_review": ("needs_review", False),
    "not_spam": ("not is_spam and not is_empty", False),
    "within_4_weeks": ("weeks_before_as_of < 4", False),
}


def drill_where(drill: dict[str, str], schema: str = "main") -> tuple[list[str], list[Any]]:
    """Conditions of a drill-down (`{name: value}`; value '1' for the flag drills)."""
    conditions: list[str] = []
    params: list[Any] = []
    for name, value in drill.items():
        if name not in DRILLS:
            raise FilterError(f"unknown drill-down {name!r} (known: {', '.join(DRILLS)})")
        condition, takes_value = DRILLS[name]
        conditions.append(condition.replace("{topics}", COMPLAINT_TOPICS.format(schema=schema)))
        if takes_value:
            params.append(value)
    return conditions, params


def combine(*parts: tuple[list[str], list[Any]]) -> tuple[str, list[Any]]:
    """One `where` clause (with the keyword; '' when nothing) and its parameters."""
    conditions = [c for part in parts for c in part[0]]
    params = [p for part in parts for p in part[1]]
    if not conditions:
        return "", params
    return "where " + " and ".join(f"({c})" for c in conditions), params


def link(path: str, filters: Filters, **drill: Any) -> str:
    """A URL to `path` that keeps the filters and adds the drill-down."""
    query = {**filters.query(), **{k: str(v) for k, v in drill.items() if v is not None}}
    return f"{path}?{urlencode(query)}" if query else path
