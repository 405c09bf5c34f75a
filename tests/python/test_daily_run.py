"""`make daily` (dbt build --selector daily) after new files land: the marts it builds
equal a full rebuild of the same data, and it enriches only the new distinct texts."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
from dbt_helpers import PROJECT, copy_built, run_dbt, write_decisions

from feedback_devtools.bench import add_increment

# columns that hold the time of the run itself, not a result of the data
RUN_TIME_COLUMNS: dict[str, set[str]] = {}


def _daily_models(work: Path) -> list[str]:
    listed = run_dbt(
        work,
        "ls",
        "--selector",
        "daily",
        "--resource-type",
        "model",
        "--output",
        "name",
        "--quiet",
    ).stdout.split()
    return sorted(name for name in listed if not name.startswith("bronze_"))


def _rows(db: Path, relation: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        columns = [
            c[0]
            for c in con.execute(f"describe main.{relation}").fetchall()
            if c[0] not in RUN_TIME_COLUMNS.get(relation, set())
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        return con.execute(f"select {select} from main.{relation} order by all").fetchall()


def _same(mine: tuple, theirs: tuple) -> bool:
    """Equal, except that a float rounded to 2 decimals may differ by one in the last
    place: a sum of doubles depends on the order DuckDB's threads add them in."""
    if len(mine) != len(theirs):
        return False
    for a, b in zip(mine, theirs, strict=True):
        if isinstance(a, float) and isinstance(b, float):
            if abs(a - b) > 0.0100001:
                return False
        elif a != b:
            return False
    return True


def _new_day(work: Path, landing: Path) -> dict[str, str]:
    """New files as a day brings them: records (fresh ids), a review decision on an old
    record and a CRM update that moves an old customer's tier."""
    add_increment(landing, work / "increment", 80)
    with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as con:
        (reviewed,) = con.execute(
            "select feedback_id from main.fct_feedback where status = 'needs_review' "
            "order by feedback_id limit 1"
        ).fetchone()
        (customer, email, tier) = con.execute(
            "select customer_id, email, customer_tier from main.stg_crm__customers "
            "where customer_id in (select customer_id from main.fct_feedback) "
            "order by customer_id limit 1"
        ).fetchone()
    write_decisions(
        landing / "reviews" / "decisions_day2.csv",
        [
            {
                "feedback_id": reviewed,
                "reviewer": "dana",
                "decided_at": "2026-11-23T09:00:00Z",
                "corrected_category": "pricing_billing",
                "verdict": "incorrect",
            }
        ],
    )
    new_tier = "enterprise" if tier != "enterprise" else "free"
    with (landing / "crm" / "customers_day2.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["customer_id", "email", "tier", "country", "signed_up_on"])
        writer.writerow([customer, email, new_tier, "DE", "2024-01-01"])
    return {"reviewed": reviewed, "customer": customer, "tier": new_tier}


def test_daily_run_equals_full_rebuild(built_sample: tuple[Path, dict], tmp_path: Path) -> None:
    # a copy of the session's full build of the sample (conftest.py `built_sample`, built
    # as this test built its own: no unit tests)
    work = copy_built(built_sample[0], tmp_path / "work")
    landing = work / "landing"
    with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as con:
        texts_before = {
            r[0] for r in con.execute("select text_hash from main.int_texts__enriched").fetchall()
        }

    day = _new_day(work, landing)
    daily = run_dbt(work, "build", "--selector", "daily")
    assert "ERROR=0" in daily.stdout
    db = work / "warehouse.duckdb"

    # what the day changed is in fct_feedback
    with duckdb.connect(str(db), read_only=True) as con:
        reviewed = con.execute(
            "select main_category, is_reviewed from main.fct_feedback where feedback_id = ?",
            [day["reviewed"]],
        ).fetchall()
        tiers = {
            r[0]
            for r in con.execute(
                "select customer_tier from main.fct_feedback where customer_id = ?",
                [day["customer"]],
            ).fetchall()
        }
        new_texts = {
            r[0]
            for r in con.execute(
                "select distinct text_hash from main.int_feedback__cleaned "
                "where source_file like '%plus1pct%' and not is_empty and not is_spam"
            ).fetchall()
        } - texts_before
        enriched_after = con.execute("select count(*) from main.int_texts__enriched").fetchone()[0]
    assert reviewed == [("pricing_billing", True)]
    assert tiers == {day["tier"]}
    assert new_texts and enriched_after - len(texts_before) == len(new_texts)
    # the run rebuilt the stored self-trained models and kept them for the next run beside
    # the database (var offline_model_cache: auto); the copy had no cache of its own
    kept = {p.name.split("-")[0] for p in (work / "warehouse.duckdb.models").glob("*.pkl")}
    assert kept == {"categories", "sentiment"}

    # a full rebuild of every model but bronze, the enrichment and the near-duplicate
    # groups (the same raw data and the same answers; a fresh enrichment would only differ
    # in enriched_at; stored near-duplicate groups are never rewritten, and regrouping
    # every text at once may pick other centres than the day-by-day history did)
    rebuilt = work / "rebuilt.duckdb"
    shutil.copyfile(db, rebuilt)
    run_dbt(
        work,
        "run",
        "--full-refresh",
        "--exclude",
        "tag:bronze",
        "int_texts__enriched",
        "int_texts__languages",
        "int_texts__to_enrich",
        "int_texts__near_duplicates",
        env={"FEEDBACK_DUCKDB_PATH": str(rebuilt)},
    )
    models = _daily_models(work)
    assert "fct_feedback" in models and "rpt_top_issues_this_week" in models
    for relation in [*models, "fct_feedback_reporting", "srv_feedback"]:
        if relation.startswith("int_texts__"):
            continue
        daily_rows, rebuilt_rows = _rows(db, relation), _rows(rebuilt, relation)
        assert len(daily_rows) == len(rebuilt_rows), f"{relation}: row counts differ"
        for mine, theirs in zip(daily_rows, rebuilt_rows, strict=True):
            assert _same(mine, theirs), f"{relation}: daily {mine} != full rebuild {theirs}"
    assert PROJECT.joinpath("selectors.yml").is_file()


def _move_threshold(db: Path) -> float:
    """Move the review threshold of the evaluation key with the most labelled records to
    the median confidence of its threshold-dependent records (as new calibration gold
    would move it, further); returns the new threshold."""
    with duckdb.connect(str(db)) as con:
        key, median = con.execute(
            """
            select t.eval_key, median(f.confidence)
            from main.fct_feedback as f
            inner join main.int_eval__confidence_thresholds as t
                on t.eval_key = md5(f.provider || '|' || f.model || '|' || f.prompt_version
                    || '|' || f.taxonomy_version)
            where f.status_reason_code in ('low_confidence', 'labelled')
            group by t.eval_key
            order by count(*) desc
            limit 1
            """
        ).fetchone()
        con.execute(
            "update main.int_eval__confidence_thresholds set threshold_in_force = ? "
            "where eval_key = ?",
            [median, key],
        )
    return float(median)


def test_a_moved_review_threshold_rebuilds_only_the_records_it_decides_otherwise(
    built_sample: tuple[Path, dict], tmp_path: Path
) -> None:
    """New calibration gold moves the measured review threshold a little on most runs;
    the incremental fct_feedback rewrites the records whose status it changes, not every
    record (a 1M-record daily run spent 18 s of 46 s rewriting all of them), and the
    result equals a full rebuild."""
    work = copy_built(built_sample[0], tmp_path / "work")
    db = work / "warehouse.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        before = dict(
            con.execute("select feedback_id, status_reason_code from main.fct_feedback").fetchall()
        )
        summaries = dict(
            con.execute("select feedback_id, short_summary from main.fct_feedback").fetchall()
        )
    _move_threshold(db)
    rebuilt = work / "rebuilt.duckdb"
    shutil.copyfile(db, rebuilt)
    # a row this run does not rewrite keeps a marker
    with duckdb.connect(str(db)) as con:
        con.execute("update main.fct_feedback set short_summary = 'NOT REWRITTEN'")

    run_dbt(work, "run", "--select", "fct_feedback")
    run_dbt(
        work,
        "run",
        "--full-refresh",
        "--select",
        "fct_feedback",
        env={"FEEDBACK_DUCKDB_PATH": str(rebuilt)},
    )

    with duckdb.connect(str(db)) as con:
        after = dict(
            con.execute("select feedback_id, status_reason_code from main.fct_feedback").fetchall()
        )
        rewritten = {
            r[0]
            for r in con.execute(
                "select feedback_id from main.fct_feedback "
                "where short_summary is distinct from 'NOT REWRITTEN'"
            ).fetchall()
        }
        kept = [i for i in after if i not in rewritten]
        if kept:
            con.executemany(
                "update main.fct_feedback set short_summary = ? where feedback_id = ?",
                [(summaries[i], i) for i in kept],
            )
    flipped = {i for i, reason in after.items() if reason != before[i]}
    assert flipped, "the moved threshold should change some statuses"
    assert rewritten == flipped
    assert len(rewritten) < len(after) / 2
    daily_rows, rebuilt_rows = _rows(db, "fct_feedback"), _rows(rebuilt, "fct_feedback")
    assert len(daily_rows) == len(rebuilt_rows)
    for mine, theirs in zip(daily_rows, rebuilt_rows, strict=True):
        assert _same(mine, theirs), f"incremental {mine} != full rebuild {theirs}"
