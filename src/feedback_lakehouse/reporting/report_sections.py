"""The report's tables and text sections: the definitions under the KPI tiles, the top
issues with their quotes, the theme impact table (`report.py` assembles the page)."""

from __future__ import annotations

import html
from typing import Any


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], table_id: str) -> str:
    head = "".join(f"<th>{esc(label)}</th>" for _, label in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            css = ' class="critical"' if key == "severity" and value == "critical" else ""
            cells.append(f"<td{css}>{esc(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table id="{table_id}"><tr>{head}</tr>{"".join(body)}</table>'


DEFINITIONS = """<p class="sub" id="definitions"><b>In the review queue</b>: records
not reviewed yet that the status rules sent to review (low confidence, no category fits)
or that two providers labelled differently; spam, praise and empty texts are left out
(rpt_review_queue, the same count as the queue chart below); the share is of all
feedback records. <b>Median hours, loaded to labelled</b>: the pipeline's own delay, from
a record's landing to its label. The chart "Hours to label" also shows the hours from
when the customer wrote it, which for backfilled data is mostly how old the data was
when it was loaded, not how fast the pipeline is.</p>"""


def _quote(quote: dict[str, Any]) -> str:
    created = quote["created_at"]
    when = created.strftime("%Y-%m-%d") if hasattr(created, "strftime") else created
    return (
        f'<blockquote data-feedback-id="{esc(quote["feedback_id"])}">{esc(quote["text"])}'
        f"<cite>{esc(quote['source'])}, {esc(when)}, {esc(quote['sentiment'])}</cite>"
        "</blockquote>"
    )


def issues(data: Any) -> str:
    """This week's top issues, each with the texts nearest its centre."""
    if not data.issues:
        return '<p id="top-issues">No complaints this week.</p>'
    parts = []
    for issue in data.issues:
        category = issue["main_category"]
        quotes = "".join(_quote(q) for q in issue["quotes"]) or "<p>No text to quote.</p>"
        parts.append(
            f'<section class="issue" id="issue-{esc(category)}"><h3>{esc(issue["topic_rank"])}. '
            f"{esc(category)}: {esc(issue['complaints_this_week'])} complaints this week "
            f"({esc(issue['complaints_last_week'])} the week before), owner "
            f"{esc(issue['owner_team'] or '(unrouted)')}</h3>{quotes}</section>"
        )
    return '<div id="top-issues">' + "".join(parts) + "</div>"


def impact(data: Any) -> str:
    rows = []
    for r in data.impact:
        effect = "" if r["effect"] is None else f"{r['effect']:+.2f}"
        if r["effect"] is not None:
            effect += f" ({r['ci_low']:+.2f} to {r['ci_high']:+.2f})"
        rows.append(
            {
                **r,
                "effect_ci": effect,
                "worth": "" if r["worth_points"] is None else f"{r['worth_points']:+.2f}",
                "worth_all": (
                    "" if r["worth_overall_points"] is None else f"{r['worth_overall_points']:+.3f}"
                ),
                "reliable": "yes" if r["is_reliable"] else "no",
            }
        )
    columns = [
        ("category_id", "category"),
        ("n_records", "records"),
        ("n_rated", "rated"),
        ("effect_ci", "effect on the rating (95% CI)"),
        ("worth", "fixing it is worth, per record"),
        ("worth_all", "on the average rating"),
        ("reliable", "enough data"),
        ("note", "note"),
    ]
    return table(rows, columns, "theme-impact")


def issue_sections(data: Any) -> str:
    """The top issues with their quotes and the theme impact table, with what they mean."""
    baseline = data.impact[0]["baseline"] if data.impact else "no named theme"
    return f"""<h2>Top issues this week, in customers' words</h2>
<p class="sub">This week's complaint categories (negative or mixed feedback; praise and
unlabelled items are not issues), ranked by volume. The quotes are the masked texts nearest
each issue's centre (TF-IDF), the same ones the workspace shows.</p>
{issues(data)}
<h2>Theme impact: how much each category moves the rating</h2>
<p class="sub">Least-squares regression of the rating on the 1-5 scale (NPS 0-10 maps
onto it as 1 + 0.4 &times; score) on one indicator per category a record carries (main
or secondary) and per source, over all rated records. An effect of -0.50 means records
with that category are rated half a point lower than records that name no theme
(baseline: {esc(baseline)}), the other
categories and the source held fixed; "fixing it is worth" is minus that, per record
carrying it and on the average rating of all rated records. 95% confidence intervals
are heteroskedasticity-robust (HC1). Categories with fewer than 30 rated records are
marked, not hidden.</p>
{impact(data)}
"""
