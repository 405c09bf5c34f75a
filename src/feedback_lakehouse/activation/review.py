"""The human review loop: export the review queue as CSV, import reviewers' decisions.

`export_queue()` writes `rpt_review_queue` (masked text, the model's labels, why the item
is queued, its expected value and whether it is within its team's budget for today; all
of it, or with `within_budget` today's items only) with empty decision columns for the
reviewer to fill in. `import_decisions()` reads such a file (or any CSV with the decision
columns), validates every row and, only when all rows are valid, writes the decisions as
one new CSV into `<landing>/reviews/`, where the bronze model `bronze_reviews__decisions`
picks them up on the next `dbt build`.
A bad file changes nothing: the errors name each row and problem, and the file is kept
as it is so it can be fixed and imported again.

CSV injection (OWASP): customer text is hostile input, and the export is opened in a
spreadsheet. Every cell that would start as a formula (`=`, `+`, `-`, `@`, tab, carriage
return) gets a leading single quote (`escape_cell`), and every cell is quoted, so a
separator inside a cell (`;=1+1` with a `;`-separated locale) never starts a new cell.
Import strips the escape (`unescape_cell`: export -> import gives the original values),
rejects reviewer names that would be formulas and neutralises such notes (a leading
single quote is kept), so decisions never carry a formula onward.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from feedback_lakehouse.ingest.specs import SOURCES

DECISION_COLUMNS: tuple[str, ...] = tuple(SOURCES["reviews"].header)
QUEUE_COLUMNS: tuple[str, ...] = (
    "queue_rank",
    "feedback_id",
    "review_reason",
    "source",
    "channel",
    "product_sku",
    "app_version",
    "created_at",
    "masked_text",
    "model_main_category",
    "secondary_categories",
    "model_sentiment",
    "model_urgency",
    "confidence",
    "labels_by_provider",
    "status_reason",
    "suggested_owner",
    "priority_score",
    "uncertainty",
    "expected_value",
    "owner_team",
    "team_queue_rank",
    "is_within_daily_budget",
    "taxonomy_version",
    "prompt_version",
)
CORRECTION_COLUMNS = ("corrected_category", "corrected_sentiment", "corrected_urgency")
# the reviewer fills these in; feedback_id is already in the queue columns
EDIT_COLUMNS: tuple[str, ...] = tuple(c for c in DECISION_COLUMNS if c != "feedback_id")


# what makes a spreadsheet read a cell as a formula (OWASP "CSV Injection")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# the escape is bijective: cells of single quotes before a trigger get one quote more,
# so a customer's own leading quote survives the round trip
_NEEDS_ESCAPE = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


def escape_cell(value: str) -> str:
    """`value` as a spreadsheet shows it, never runs it: a leading single quote when it
    would start as a formula (or is quotes before such a start)."""
    return "'" + value if _NEEDS_ESCAPE.match(value) else value


def unescape_cell(value: str) -> str:
    """The original of an `escape_cell` value (other values are returned unchanged)."""
    return value[1:] if _ESCAPED.match(value) else value


class ReviewError(RuntimeError):
    """The warehouse or the decisions file cannot be used; the message says why."""


@dataclass
class ImportResult:
    written: Path | None
    decisions: int
    skipped_blank: int
    errors: list[str] = field(default_factory=list)


def _connect(db_path: str | Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    db_path = Path(db_path)
    if not db_path.exists():
        raise ReviewError(f"{db_path} does not exist: run `make demo` (or dbt build) first")
    return duckdb.connect(str(db_path), read_only=read_only)


def export_queue(
    db_path: str | Path,
    out: str | Path,
    schema: str = "main",
    limit: int | None = None,
    within_budget: bool = False,
) -> int:
    """Write the review queue as CSV (queue columns, then empty decision columns), in
    queue order (expected value); `within_budget`: only each owner team's items within
    today's budget (var review_daily_budget_per_team), the rest stays in the queue."""
    con = _connect(db_path)
    try:
        where = " where is_within_daily_budget" if within_budget else ""
        sql = (
            f"select {', '.join(QUEUE_COLUMNS)} from {schema}.rpt_review_queue{where} "
            "order by queue_rank"
        )
        if limit is not None:
            sql += f" limit {int(limit)}"
        try:
            rows = con.execute(sql).fetchall()
        except duckdb.CatalogException as err:
            raise ReviewError(
                f"{db_path} has no rpt_review_queue in schema '{schema}' ({err}); run dbt build"
            ) from err
    finally:
        con.close()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow([*QUEUE_COLUMNS, *EDIT_COLUMNS])
        for row in rows:
            writer.writerow([escape_cell(_cell(v)) for v in row] + [""] * len(EDIT_COLUMNS))
    return len(rows)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _normalise_time(value: str, now: datetime) -> tuple[str | None, str | None]:
    """(YYYY-MM-DDTHH:MM:SSZ in UTC, None) or (None, problem). Blank means now."""
    text = value.strip()
    if not text:
        moment = now
    else:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None, (
                f"decided_at {text!r} is not a date-time like 2026-11-23T09:30:00Z "
                "or 2026-11-23 09:30:00 (UTC)"
            )
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ"), None


def _known(
    db_path: str | Path | None, schema: str
) -> tuple[set[str] | None, dict[str, set[str]] | None]:
    """Feedback ids in fct_feedback and categories per taxonomy version, when a db is given."""
    if db_path is None:
        return None, None
    con = _connect(db_path)
    try:
        ids = {
            r[0] for r in con.execute(f"select feedback_id from {schema}.fct_feedback").fetchall()
        }
        versions = con.execute(
            f"select distinct taxonomy_version from {schema}.fct_feedback "
            "where taxonomy_version is not null"
        ).fetchall()
        in_force = {v[0] for v in versions}
        categories: dict[str, set[str]] = {}
        for version, category in con.execute(
            f"select taxonomy_version, category_id from {schema}_taxonomy.taxonomy_categories"
        ).fetchall():
            if not in_force or version in in_force:
                categories.setdefault(version, set()).add(category)
    except duckdb.Error as err:
        raise ReviewError(f"cannot read feedback ids and categories from {db_path}: {err}") from err
    finally:
        con.close()
    return ids, categories


def _row_problems(
    values: dict[str, str],
    reviewer: str | None,
    now: datetime,
    feedback_ids: set[str] | None,
    allowed: set[str] | None,
) -> list[str]:
    """What is wrong with one decided row (empty: nothing); fills in the reviewer and the
    time, lower-cases the verdict and corrections and quotes a formula-like note."""
    spec = SOURCES["reviews"]
    validators = spec.validators
    problems: list[str] = []
    if not values["reviewer"]:
        if reviewer:
            values["reviewer"] = reviewer
        else:
            problems.append("reviewer is missing (fill it in or pass --reviewer)")
    if values["reviewer"].startswith(FORMULA_TRIGGERS):
        problems.append(
            f"reviewer {values['reviewer']!r} would run as a spreadsheet formula: a name "
            "cannot start with = + - @ (write the name itself)"
        )
    if values["note"].startswith(FORMULA_TRIGGERS):
        values["note"] = "'" + values["note"]  # kept as text, never run as a formula
    for name in (*CORRECTION_COLUMNS, "verdict"):
        values[name] = values[name].lower()
    # "needs refinement" (the seed's spelling) and "needs-refinement" are needs_refinement
    values["verdict"] = re.sub(r"[\s-]+", "_", values["verdict"])
    stamp, problem = _normalise_time(values["decided_at"], now)
    if problem:
        problems.append(problem)
    else:
        values["decided_at"] = stamp or ""
    for column in spec.required:
        if not values[column] and column != "reviewer":
            problems.append(f"{column} is missing")
    for column, validator in validators.items():
        value = values[column]
        if value and not validator.check(value):
            problems.append(f"{column} {value!r} is not {validator.description}")
    fid = values["feedback_id"]
    if feedback_ids is not None and fid and fid not in feedback_ids:
        problems.append(f"feedback_id {fid!r} is not in fct_feedback")
    category = values["corrected_category"]
    if allowed is not None and category and category != "unknown" and category not in allowed:
        problems.append(
            f"corrected_category {category!r} is not a category of the taxonomy in force "
            f"({', '.join(sorted(allowed))})"
        )
    return problems


def validate_rows(
    header: Sequence[str],
    rows: Iterable[tuple[int, Sequence[str]]],
    reviewer: str | None = None,
    now: datetime | None = None,
    feedback_ids: set[str] | None = None,
    categories: dict[str, set[str]] | None = None,
) -> tuple[list[list[str]], int, list[str]]:
    """(decision rows in DECISION_COLUMNS order, blank rows skipped, errors).

    A row with no verdict and no correction is not a decision (skipped, not an error).
    Blank decided_at becomes `now`; blank reviewer becomes `reviewer` when given.
    """
    now = now or datetime.now(timezone.utc)
    missing = [c for c in ("feedback_id", "verdict") if c not in header]
    if missing:
        return (
            [],
            0,
            [f"header: the file has no column {', '.join(missing)} (found {list(header)})"],
        )
    position = {name: i for i, name in enumerate(header)}
    allowed = set().union(*categories.values()) if categories else None
    out: list[list[str]] = []
    skipped = 0
    errors: list[str] = []
    for row_number, raw in rows:
        if len(raw) != len(header):
            errors.append(f"row {row_number}: expected {len(header)} columns but found {len(raw)}")
            continue
        values = {
            c: (unescape_cell(raw[position[c]]).strip() if c in position else "")
            for c in DECISION_COLUMNS
        }
        decision_values = [values[c] for c in ("verdict", *CORRECTION_COLUMNS)]
        if not any(decision_values):
            skipped += 1
            continue
        problems = _row_problems(values, reviewer, now, feedback_ids, allowed)
        fid = values["feedback_id"]
        if problems:
            errors.append(f"row {row_number} ({fid or 'no feedback_id'}): " + "; ".join(problems))
        else:
            out.append([values[c] for c in DECISION_COLUMNS])
    return out, skipped, errors


def import_decisions(
    file: str | Path,
    landing_dir: str | Path,
    reviewer: str | None = None,
    db_path: str | Path | None = None,
    schema: str = "main",
    now: datetime | None = None,
) -> ImportResult:
    """Validate a decisions CSV and, when every row is valid, drop it into landing/reviews/."""
    file = Path(file)
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise ReviewError(f"cannot read {file}: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise ReviewError(f"{file} is not UTF-8 text ({err}); save it as CSV UTF-8") from err
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        records = [(n, r) for n, r in enumerate(reader, start=1) if r]
    except csv.Error as err:
        raise ReviewError(f"{file} row {reader.line_num}: cannot be parsed as CSV ({err})") from err
    ids, categories = _known(db_path, schema)
    decisions, skipped, errors = validate_rows(
        header, records, reviewer=reviewer, now=now, feedback_ids=ids, categories=categories
    )
    if errors:
        return ImportResult(None, 0, skipped, errors)
    if not decisions:
        return ImportResult(None, 0, skipped, [])
    return ImportResult(write_decisions(decisions, landing_dir, now), len(decisions), skipped, [])


def write_decisions(
    decisions: Sequence[Sequence[str]], landing_dir: str | Path, now: datetime | None = None
) -> Path:
    """Write validated decision rows (DECISION_COLUMNS order) as one new CSV into
    `<landing>/reviews/`, atomically (a partly written file is never read)."""
    body = io.StringIO(newline="")
    writer = csv.writer(body, lineterminator="\n")
    writer.writerow(DECISION_COLUMNS)
    writer.writerows(decisions)
    data = body.getvalue().encode("utf-8")
    folder = Path(landing_dir) / SOURCES["reviews"].folder
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S")
    target = folder / f"decisions_{stamp}_{hashlib.sha256(data).hexdigest()[:10]}.csv"
    partial = target.with_name("." + target.name + ".part")  # dot files are not read
    partial.write_bytes(data)
    os.replace(partial, target)
    return target
