"""The Review page's data: the review queue one item at a time, and a decision written as
`feedback review import` writes it (validated by the same `validate_rows`, dropped into
`<landing>/reviews/` by the same `write_decisions`), so the next build applies it.

Items decided here but not built yet are still in `rpt_review_queue`; the page skips
them by reading the decision files waiting in the landing folder.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from feedback_lakehouse.activation.review import (
    DECISION_COLUMNS,
    QUEUE_COLUMNS,
    validate_rows,
    write_decisions,
)
from feedback_lakehouse.ingest.specs import SOURCES
from feedback_lakehouse.serve.filters import Filters


def landed_decisions(landing_dir: Path) -> list[dict[str, str]]:
    """Every decision in the landing folder's review files, newest first."""
    folder = Path(landing_dir) / SOURCES["reviews"].folder
    found: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    found.append({**row, "file": path.name})
        except (OSError, UnicodeDecodeError, csv.Error):
            continue  # bronze quarantines an unreadable file; the page skips it
    return sorted(found, key=lambda r: r.get("decided_at") or "", reverse=True)


# the queue (q) carries source, product and owner team; the records (r) the rest
QUEUE_FILTER_COLUMNS = {
    "date": "r.created_date",
    "source": "q.source",
    "product": "q.product_sku",
    "owner_team": "q.owner_team",
    "language": "r.language",
    "status": "r.status",
}


def next_item(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    f: Filters,
    skip: set[str],
) -> tuple[dict[str, Any] | None, int]:
    """(the first queue item, in queue order, not in `skip`; items left in the queue).

    The queue's own columns carry source, product and owner team; the other filters
    (dates, language, status) are read from the records."""
    conditions, params = f.where(QUEUE_FILTER_COLUMNS)
    if skip:
        conditions.append("not list_contains(?, q.feedback_id)")
        params.append(sorted(skip))
    where = ("where " + " and ".join(conditions)) if conditions else ""
    columns = ", ".join(f"q.{c}" for c in QUEUE_COLUMNS)
    sql = f"""
        select {columns}, r.language, r.status, count(*) over () as items_left
        from {schema}.rpt_review_queue as q
        inner join {schema}.fct_feedback_reporting as r on q.feedback_id = r.feedback_id
        {where}
        order by q.queue_rank
        limit 1"""
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    found = cursor.fetchall()
    if not found:
        return None, 0
    item = dict(zip(names, found[0], strict=True))
    return item, int(item.pop("items_left"))


def decide(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    landing_dir: Path,
    payload: dict[str, Any],
    categories: list[str],
    now: datetime | None = None,
) -> tuple[Path | None, list[str]]:
    """Validate one decision as `feedback review import --db` does and, when valid,
    write it into the landing folder: (the file written, the problems)."""
    now = now or datetime.now(timezone.utc)
    values = [str(payload.get(c) or "") for c in DECISION_COLUMNS]
    fid = values[DECISION_COLUMNS.index("feedback_id")]
    known = con.execute(
        f"select feedback_id from {schema}.fct_feedback where feedback_id = ?", [fid]
    ).fetchall()
    rows, _, errors = validate_rows(
        list(DECISION_COLUMNS),
        [(1, values)],
        now=now,
        feedback_ids={r[0] for r in known},
        categories={"in force": set(categories)} if categories else None,
    )
    if errors:
        return None, [e.removeprefix("row 1 ") for e in errors]
    if not rows:
        return None, ["no verdict and no correction: nothing to record"]
    return write_decisions(rows, landing_dir, now), []
