"""Incremental SQL models on a real DuckDB file: a run after new landing files cleans
only the records that are new or changed, and ends with the same table a full rebuild
of the same landing data gives."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from dbt_helpers import query, run_dbt

from feedback_devtools.sample import generate

pytestmark = pytest.mark.e2e

SENTINEL = " [kept from the first build]"


def _rows(work: Path, table: str) -> list[tuple]:
    return query(work, f"select * from main.{table} order by feedback_id")


def _leftover_temp_tables(work: Path) -> list[str]:
    """dbt's `<model>__dbt_tmp<time>` relations in the warehouse: a build must drop them,
    else every incremental run adds one per incremental Python model (a BI tool lists them)."""
    return [
        f"{schema}.{name}"
        for schema, name in query(
            work,
            "select table_schema, table_name from information_schema.tables "
            "where table_name like '%dbt_tmp%' order by 1, 2",
        )
    ]


def test_incremental_cleaning_touches_only_new_and_changed_records(tmp_path: Path) -> None:
    work = tmp_path
    landing = work / "landing"
    generate(landing, records=1200, seed=21)
    run_dbt(work, "build", "--exclude-resource-type", "unit_test")
    built = query(work, "select count(*) from main.int_feedback__cleaned")[0][0]

    # an unchanged record marked in the stored table: a run that re-cleaned it would
    # overwrite the mark
    untouched = query(
        work,
        "select feedback_id from main.int_feedback__cleaned "
        "where source = 'shop_reviews' and not is_empty order by feedback_id limit 1",
    )[0][0]
    con_sql = (
        f"update main.int_feedback__cleaned set clean_text = clean_text || '{SENTINEL}' "
        f"where feedback_id = '{untouched}'"
    )
    import duckdb

    with duckdb.connect(str(work / "warehouse.duckdb")) as con:
        con.execute(con_sql)

    # the new day's files: a new review repeating an old review's text, a newer version
    # of one ticket with new text, an older version of another ticket (its version
    # count changes, its text does not)
    shop_file = sorted((landing / "shop").glob("*.csv"))[0]
    with shop_file.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        first_review = next(reader)
    with (landing / "shop" / "reviews_29990101.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerow(["R-NEW-1", *first_review[1:]])

    tickets = []
    for path in sorted((landing / "helpdesk").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                ticket = json.loads(line)
            except ValueError:  # the generator plants broken lines
                continue
            if isinstance(ticket, dict) and isinstance(ticket.get("id"), int):
                tickets.append(ticket)
    updated, older = tickets[0], tickets[1]
    old_hash = query(
        work,
        "select text_hash from main.int_feedback__cleaned "
        f"where feedback_id = 'helpdesk:{updated['id']}'",
    )[0][0]
    newer_version = {
        **updated,
        "description": "Follow-up: the replacement arrived broken as well, refund please.",
        "updated_at": "2099-01-01T00:00:00Z",
    }
    older_version = {**older, "updated_at": "2000-01-01T00:00:00Z", "status": "new"}
    (landing / "helpdesk" / "tickets_29990101.jsonl").write_text(
        json.dumps(newer_version) + "\n" + json.dumps(older_version) + "\n", encoding="utf-8"
    )

    run_dbt(work, "build", "--exclude-resource-type", "unit_test")

    # the incremental run of the Python models (bronze, languages, enrichment, near
    # duplicates) leaves no temp table behind in the user's warehouse
    assert _leftover_temp_tables(work) == []
    assert query(work, "select count(*) from main.int_feedback__cleaned")[0][0] == built + 1
    kept = query(
        work,
        f"select clean_text from main.int_feedback__cleaned where feedback_id = '{untouched}'",
    )[0][0]
    assert kept.endswith(SENTINEL), "an unchanged record was cleaned again"
    assert query(
        work,
        "select masked_text, record_versions from main.int_feedback__cleaned "
        f"where feedback_id = 'helpdesk:{updated['id']}'",
    ) == [
        (
            f"{updated['subject']}. Follow-up: the replacement arrived broken as well, "
            "refund please.",
            2,
        )
    ]
    assert query(
        work,
        "select record_versions from main.int_feedback__cleaned "
        f"where feedback_id = 'helpdesk:{older['id']}'",
    ) == [(2,)]
    # the repeated text joins the old review's duplicate group downstream
    sizes = query(
        work,
        "select feedback_id, duplicate_group_size from main.srv_feedback "
        f"where feedback_id in ('shop:R-NEW-1', 'shop:{first_review[0]}') order by 1",
    )
    assert len(sizes) == 2 and sizes[0][1] == sizes[1][1] >= 2

    # without the mark, the incremental table equals a full rebuild of the same data
    with duckdb.connect(str(work / "warehouse.duckdb")) as con:
        con.execute(
            "update main.int_feedback__cleaned "
            f"set clean_text = replace(clean_text, '{SENTINEL}', '') "
            f"where feedback_id = '{untouched}'"
        )
    incremental = _rows(work, "int_feedback__cleaned")
    texts = query(work, "select * from main.int_texts__to_enrich order by text_hash")
    current = {row[0] for row in query(work, "select distinct text_hash from main.fct_feedback")}
    run_dbt(
        work,
        "run",
        "--full-refresh",
        "--select",
        "int_feedback__cleaned",
        "int_texts__to_enrich",
    )
    assert _rows(work, "int_feedback__cleaned") == incremental
    # the texts to enrich: the same, but for the hash the updated ticket left behind
    # (enriched already, no record has it any more)
    rebuilt = query(work, "select * from main.int_texts__to_enrich order by text_hash")
    assert [row for row in texts if row[0] in current] == rebuilt
    stale = [row for row in texts if row[0] not in current]
    assert [row[0] for row in stale] == [old_hash]

    # an upgrade that adds a column to fct_feedback (as category_sentiments did): the
    # older table lacks it and its rows carry the older release's record_config_hash
    # (its column list differed); the next run appends the column and fills it on every
    # row, with no --full-refresh
    filled = query(work, "select count(category_sentiments) from main.fct_feedback")[0][0]
    assert filled > 0
    with duckdb.connect(str(work / "warehouse.duckdb")) as con:
        con.execute("alter table main.fct_feedback drop column category_sentiments")
        con.execute("update main.fct_feedback set record_config_hash = 'an older release'")
    run_dbt(work, "run", "--select", "fct_feedback")
    assert query(work, "select count(category_sentiments) from main.fct_feedback") == [(filled,)]
    assert _leftover_temp_tables(work) == []
