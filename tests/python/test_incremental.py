"""Incremental SQL models on a real DuckDB file: a run after new landing files cleans
only the records that are new or changed, and ends with the same table a full rebuild
of the same landing data gives."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from dbt_helpers import query, run_dbt

from feedback_lakehouse.sample import generate

pytestmark = pytest.mark.e2e

SENTINEL = " [kept from the first build]"


def _rows(work: Path, table: str) -> list[tuple]:
    return query(work, f"select * from main.{table} order by feedback_id")


def test_incremental_models_touch_only_new_and_changed_records(tmp_path: Path) -> None:
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
        "where source = 'shop_reviews' and not is_empty order by feedback_id desc limit 1",
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

    # a reviewer's decision on an old record, and a customer moving up a tier
    reviewed, model_category = query(
        work,
        "select feedback_id, main_category from main.fct_feedback "
        "where not is_empty and not is_spam and not is_reviewed "
        "order by feedback_id limit 1",
    )[0]
    corrected = query(
        work,
        "select min(main_category) from main.fct_feedback "
        f"where main_category not in ('unknown', '{model_category}')",
    )[0][0]
    reviews = landing / "reviews"
    reviews.mkdir(exist_ok=True)
    (reviews / "decisions_29990101.csv").write_text(
        "feedback_id,reviewer,decided_at,corrected_category,corrected_sentiment,"
        "corrected_urgency,verdict,note\n"
        f"{reviewed},ana,2026-11-26T10:00:00Z,{corrected},negative,high,incorrect,\n",
        encoding="utf-8",
    )
    customer, tier = query(
        work,
        "select customer_id, customer_tier from main.fct_feedback "
        "where customer_id is not null and customer_tier <> 'enterprise' "
        "order by customer_id limit 1",
    )[0]
    with (landing / "crm" / "customers.csv").open(newline="", encoding="utf-8") as fh:
        crm = list(csv.reader(fh))
    upgraded = next(row for row in crm[1:] if row[0] == customer)
    upgraded[crm[0].index("tier")] = "enterprise"
    with (landing / "crm" / "customers_29990101.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([crm[0], upgraded])
    # build up to the labelled records, then see which rows their incremental run would
    # write: the model's own compiled select in incremental mode
    run_dbt(
        work,
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--exclude",
        "int_feedback__labelled+",
    )
    run_dbt(work, "compile", "--select", "int_feedback__labelled")
    compiled = next((work / "target" / "compiled").rglob("int_feedback__labelled.sql"))
    written = {row[0] for row in query(work, f"select feedback_id from ({compiled.read_text()})")}

    run_dbt(work, "build", "--exclude-resource-type", "unit_test")

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
        "select feedback_id, duplicate_group_size from main.fct_feedback "
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
    # the labelled records: only rows that changed were written again
    # (the ticket's older version changes no column of its record: not rewritten)
    must_change = {
        "shop:R-NEW-1",
        f"shop:{first_review[0]}",
        f"helpdesk:{updated['id']}",
        reviewed,
    }
    customer_records = {
        row[0]
        for row in query(
            work, f"select feedback_id from main.fct_feedback where customer_id = '{customer}'"
        )
    }
    assert must_change | customer_records <= written
    assert len(written) < 0.1 * built, f"{len(written)} of {built} rows rewritten"
    assert query(
        work,
        "select main_category, sentiment, is_reviewed from main.fct_feedback "
        f"where feedback_id = '{reviewed}'",
    ) == [(corrected, "negative", True)]
    assert (
        {
            row[0]
            for row in query(
                work,
                "select distinct customer_tier from main.fct_feedback "
                f"where customer_id = '{customer}'",
            )
        }
        == {"enterprise"}
        != {tier}
    )

    incremental = _rows(work, "int_feedback__cleaned")
    # the mark had reached the labelled row too (a changed text is a changed row); the
    # next incremental run takes it out again
    run_dbt(work, "run", "--select", "int_feedback__labelled")
    labelled = _rows(work, "int_feedback__labelled")
    texts = query(work, "select * from main.int_texts__to_enrich order by text_hash")
    current = {row[0] for row in query(work, "select distinct text_hash from main.fct_feedback")}
    run_dbt(
        work,
        "run",
        "--full-refresh",
        "--select",
        "int_feedback__cleaned",
        "int_texts__to_enrich",
        "int_feedback__labelled",
    )
    assert _rows(work, "int_feedback__cleaned") == incremental
    assert _rows(work, "int_feedback__labelled") == labelled
    # the texts to enrich: the same, but for the hash the updated ticket left behind
    # (enriched already, no record has it any more)
    rebuilt = query(work, "select * from main.int_texts__to_enrich order by text_hash")
    assert [row for row in texts if row[0] in current] == rebuilt
    stale = [row for row in texts if row[0] not in current]
    assert [row[0] for row in stale] == [old_hash]
