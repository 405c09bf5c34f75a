"""The workspace's reading and writing without a browser or dbt: filters and drill-downs
as bound SQL, the review desk's queue order and skips, and decisions validated as
`feedback review import` validates them (a bad one writes nothing)."""

from __future__ import annotations

import csv
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from feedback_lakehouse.activation.review import DECISION_COLUMNS, QUEUE_COLUMNS
from feedback_lakehouse.serve import queries, review_desk
from feedback_lakehouse.serve.bench import running
from feedback_lakehouse.serve.filters import RECORD_COLUMNS, FilterError, Filters, drill_where

RECORDS = [
    # feedback_id, source, product_sku, language, main_category, sentiment, status, weeks ago
    ("shop:1", "shop", "LMP-014", "en", "shipping_delivery", "negative", "ok", 0),
    ("shop:2", "shop", "LMP-014", "de", "shipping_delivery", "mixed", "needs_review", 0),
    ("shop:3", "shop", "MUG-001", "en", "shipping_delivery", "negative", "ok", 0),
    ("helpdesk:4", "helpdesk", None, "en", "shipping_delivery", "negative", "ok", 1),
    ("helpdesk:5", "helpdesk", None, "en", "praise", "positive", "ok", 0),
    ("shop:6", "shop", "LMP-014", "en", "packaging", "negative", "needs_review", 0),
]


@pytest.fixture
def con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(db_path), read_only=True)
    yield con
    con.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    types = {
        "weeks_before_as_of": "integer",
        "priority_score": "double",
        "rating_normalized": "double",
        "created_date": "date",
        "created_at": "timestamp",
        **{flag: "boolean" for flag in ("needs_review", "is_reviewed", "is_spam", "is_empty")},
    }
    columns = ", ".join(f"{c} {types.get(c, 'varchar')}" for c in RECORD_COLUMNS)
    con.execute(f"create table main.fct_feedback_reporting ({columns})")
    for fid, source, sku, lang, category, sentiment, status, weeks in RECORDS:
        row = dict.fromkeys(RECORD_COLUMNS)
        row.update(
            feedback_id=fid,
            source=source,
            product_sku=sku,
            language=lang,
            main_category=category,
            sentiment=sentiment,
            status=status,
            weeks_before_as_of=weeks,
            is_spam=False,
            is_empty=False,
            needs_review=status == "needs_review",
            created_date="2026-11-20" if weeks == 0 else "2026-11-12",
            priority_score=10.0 * len(fid),
            masked_text=f"text of {fid}",
        )
        marks = ", ".join("?" for _ in RECORD_COLUMNS)
        con.execute(
            f"insert into main.fct_feedback_reporting values ({marks})",
            [row[c] for c in RECORD_COLUMNS],
        )
    # aspect sentiment: each record's main category with its sentiment, and the praise
    # record's secondary category shipping_delivery, which it complains about
    con.execute(
        "create table main.fct_feedback_category_sentiments as "
        "select feedback_id, main_category as category, sentiment as category_sentiment, "
        "'team_' || main_category as owner_team from main.fct_feedback_reporting "
        "union all select 'helpdesk:5', 'shipping_delivery', 'negative', 'team_shipping_delivery'"
    )
    con.execute(
        "create table main.fct_feedback as "
        "select feedback_id, 'v1' as taxonomy_version from main.fct_feedback_reporting"
    )
    con.execute(
        "create table main.int_reporting_calendar as select date '2026-11-22' as as_of_date"
    )
    con.execute("create schema main_taxonomy")
    con.execute(
        "create table main_taxonomy.taxonomy_categories as "
        "select * from (values ('v1', 'shipping_delivery'), ('v1', 'packaging'), "
        "('v1', 'praise')) as t(taxonomy_version, category_id)"
    )
    queue = ", ".join(f"{c} varchar" for c in QUEUE_COLUMNS if c != "queue_rank")
    con.execute(f"create table main.rpt_review_queue (queue_rank integer, {queue})")
    for rank, fid in enumerate(["shop:6", "shop:2"], start=1):
        con.execute(
            "insert into main.rpt_review_queue (queue_rank, feedback_id, source, product_sku) "
            "select ?, feedback_id, source, product_sku from main.fct_feedback_reporting "
            "where feedback_id = ?",
            [rank, fid],
        )
    con.close()
    return path


def test_drill_down_counts_apply_the_filters(con: duckdb.DuckDBPyConnection) -> None:
    drill = {"complaint_about": "shipping_delivery", "week": "0"}
    total, rows = queries.texts(con, "main", Filters(), drill)
    assert total == 4
    assert {r["feedback_id"] for r in rows} == {"shop:1", "shop:2", "shop:3", "helpdesk:5"}
    total, _ = queries.texts(con, "main", Filters(product="LMP-014"), drill)
    assert total == 2
    total, _ = queries.texts(con, "main", Filters(product="LMP-014", language="de"), drill)
    assert total == 1
    # a value is a bound parameter, never SQL
    total, _ = queries.texts(con, "main", Filters(product="x' or '1'='1"), drill)
    assert total == 0


def test_top_topics_count_complaints_this_and_last_week(con: duckdb.DuckDBPyConnection) -> None:
    topics = queries.top_topics(con, "main", Filters())
    assert [(t["main_category"], t["complaints_this_week"]) for t in topics] == [
        ("shipping_delivery", 4),  # the praise record's secondary complaint counts
        ("packaging", 1),
    ]
    assert topics[0]["complaints_last_week"] == 1 and topics[0]["change_vs_last_week"] == 3
    assert topics[0]["owner_team"] == "team_shipping_delivery"  # the category's owner


def test_bad_filters_and_drills_say_what_is_expected() -> None:
    with pytest.raises(FilterError, match="is not a date like 2026-11-23"):
        Filters.from_query({"date_from": "last week"})
    with pytest.raises(FilterError, match="unknown drill-down 'sql'"):
        drill_where({"sql": "1=1"})


def test_review_desk_skips_decided_items_and_honours_filters(
    con: duckdb.DuckDBPyConnection,
) -> None:
    item, left = review_desk.next_item(con, "main", Filters(), set())
    assert item is not None and (item["feedback_id"], left) == ("shop:6", 2)
    item, left = review_desk.next_item(con, "main", Filters(), {"shop:6"})
    assert item is not None and (item["feedback_id"], left) == ("shop:2", 1)
    item, _ = review_desk.next_item(con, "main", Filters(language="de"), set())
    assert item is not None and item["feedback_id"] == "shop:2"
    assert review_desk.next_item(con, "main", Filters(), {"shop:6", "shop:2"}) == (None, 0)


def test_a_decision_is_validated_as_import_validates_it(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    categories = queries.categories(con, "main")
    bad = {"feedback_id": "shop:404", "reviewer": "", "verdict": "maybe"}
    bad["corrected_category"] = "teleportation"
    written, errors = review_desk.decide(con, "main", landing, bad, categories)
    assert written is None and not (landing / "reviews").exists()
    text = "; ".join(errors)
    assert "reviewer is missing" in text
    assert "verdict 'maybe' is not one of useful, incorrect, needs_refinement" in text
    assert "feedback_id 'shop:404' is not in fct_feedback" in text
    assert "corrected_category 'teleportation' is not a category" in text

    good = {"feedback_id": "shop:6", "reviewer": "dana", "verdict": "needs refinement"}
    good["corrected_category"] = "shipping_delivery"
    written, errors = review_desk.decide(con, "main", landing, good, categories)
    assert errors == [] and written is not None and written.parent == landing / "reviews"
    with written.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(DECISION_COLUMNS)
    assert rows[0]["verdict"] == "needs_refinement"
    assert rows[0]["corrected_category"] == "shipping_delivery"
    assert rows[0]["decided_at"].endswith("Z")
    landed = review_desk.landed_decisions(landing)
    assert [(d["feedback_id"], d["reviewer"]) for d in landed] == [("shop:6", "dana")]


def _post(url: str, body: bytes, content_type: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_the_app_takes_decisions_as_json_only_and_says_why_not(
    db_path: Path, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    decision = {"feedback_id": "shop:6", "reviewer": "dana", "verdict": "useful"}
    body = json.dumps(decision).encode()
    with running(db_path, landing) as base:
        # a cross-site form post (text/plain) is refused: no CORS preflight needed for it
        status, answer = _post(base + "/api/decisions", body, "text/plain")
        assert status == 415 and "Content-Type: application/json" in answer["errors"][0]
        assert not (landing / "reviews").exists()
        status, answer = _post(
            base + "/api/decisions",
            b'{"feedback_id": "nope", "verdict": "useful"}',
            "application/json",
        )
        assert status == 422 and "feedback_id 'nope' is not a feedback id" in answer["errors"][0]
        status, answer = _post(base + "/api/decisions", body, "application/json")
        assert status == 200 and Path(answer["file"]).parent == landing / "reviews"
        with urllib.request.urlopen(base + "/review", timeout=10) as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as bad:
            urllib.request.urlopen(base + "/texts?date_from=yesterday", timeout=10)
        assert bad.value.code == 400


def test_a_database_without_marts_gets_a_page_saying_what_to_do(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with (
        running(empty, tmp_path / "landing") as base,
        pytest.raises(urllib.error.HTTPError) as answer,
    ):
        urllib.request.urlopen(base + "/", timeout=10)
    assert answer.value.code == 503
    assert "has no built marts in schema &#39;main&#39;" in answer.value.read().decode()
