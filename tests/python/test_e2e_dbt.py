"""End to end: sample landing files -> dbt build on a fresh DuckDB file -> marts.

Runs the real dbt CLI (subprocess) against a real DuckDB file in a temporary folder: a
copy of the session's build of the sample (conftest.py), which the last test changes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from dbt_helpers import copy_built, query, run_dbt

from feedback_lakehouse.ingest.landing import landing_row_counts

BRONZE = {
    "shop": "bronze_shop__reviews",
    "helpdesk": "bronze_helpdesk__tickets",
    "appstore": "bronze_appstore__reviews",
    "survey": "bronze_survey__nps_responses",
    "crm": "bronze_crm__customers",
}
STAGING = {
    "shop_reviews": "stg_shop__reviews",
    "helpdesk_tickets": "stg_helpdesk__tickets",
    "appstore_reviews": "stg_appstore__reviews",
    "nps_survey": "stg_survey__nps_responses",
}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(
    built_sample: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict]:
    """A copy of the session's build of the sample (conftest.py `built_sample`): the last
    test adds landing files and builds again."""
    source, manifest = built_sample
    return copy_built(source, tmp_path_factory.mktemp("e2e")), manifest


def test_planted_incidents_top_the_rising_issues(built: tuple[Path, dict]) -> None:
    """The SKU incident is the top rising subject. The app incident is a new version that
    was bad from its release (10 days before the end): its weeks before the release are
    not zero weeks, so it does not "rise" within its own short history."""
    work, manifest = built
    rows = query(
        work,
        "select main_category, issue_level, subject from main.rpt_rising_issues "
        "where is_rising and issue_level != 'category' order by rising_rank limit 1",
    )
    sku = next(i for i in manifest["incidents"] if i["product_sku"])
    assert rows == [(sku["category"], "sku", sku["product_sku"])]
    app = next(i for i in manifest["incidents"] if i["app_version"])
    [(is_rising, short, weeks)] = query(
        work,
        "select is_rising, has_short_history, baseline_weeks_observed "
        f"from main.rpt_rising_issues where main_category = '{app['category']}' "
        f"and subject = 'app {app['app_version']}'",
    )
    assert (is_rising, short) == (False, True) and 0 < weeks < 1
    # no issue rises without a full observed baseline week
    assert query(
        work,
        "select count(*) from main.rpt_rising_issues "
        "where is_rising and baseline_weeks_observed < 1",
    ) == [(0,)]


def test_worst_sku_is_the_damaged_one(built: tuple[Path, dict]) -> None:
    work, manifest = built
    sku = next(i["product_sku"] for i in manifest["incidents"] if i["product_sku"])
    assert query(
        work, "select product_sku from main.rpt_sku_negative_feedback where sku_rank = 1"
    ) == [(sku,)]


def test_every_landing_row_is_accounted_for(built: tuple[Path, dict]) -> None:
    work, manifest = built
    on_disk = landing_row_counts(work / "landing")
    in_bronze: dict[str, int] = {}
    for model in BRONZE.values():
        for path, n in query(
            work, f"select _source_file, count(*) from main_bronze.{model} group by 1"
        ):
            in_bronze[path] = n
    assert in_bronze == on_disk

    # bronze rows = rejected (quarantined) + every version kept behind a staging record
    rejected = query(work, "select count(*) from main.rpt_quarantined_rows")[0][0]
    assert rejected == manifest["planted"]["malformed_rows"]
    versions = sum(
        query(work, f"select coalesce(sum(record_versions), 0) from main.{m}")[0][0]
        for m in STAGING.values()
    )
    customers = query(
        work, "select count(*) from main_bronze.bronze_crm__customers where not _is_rejected"
    )[0][0]
    assert versions + rejected + customers == sum(on_disk.values())

    # every staging record is one fct_feedback row with a status and, unless ok, a reason
    for source, model in STAGING.items():
        n_stg = query(work, f"select count(*) from main.{model}")[0][0]
        n_fct = query(work, f"select count(*) from main.fct_feedback where source = '{source}'")
        assert n_fct[0][0] == n_stg, source
    bad = query(
        work,
        "select count(*) from main.fct_feedback where status not in "
        "('ok', 'needs_review', 'failed', 'deferred') "
        "or (status != 'ok' and status_reason is null)",
    )
    assert bad == [(0,)]


def test_planted_pii_never_reaches_the_enrichment_input(built: tuple[Path, dict]) -> None:
    work, _ = built
    leaks = query(
        work,
        "select count(*) from main.int_texts__to_enrich where regexp_matches(text, "
        "'[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][a-z]{2,}|ORD-[0-9]{6}|4111 1111')",
    )
    assert leaks == [(0,)]
    masked = query(
        work, "select count(*) from main.int_texts__to_enrich where text like '%<EMAIL>%'"
    )
    assert masked[0][0] > 0


def test_kpi_time_to_insight_is_the_per_build_marts_over_all_builds(
    built: tuple[Path, dict],
) -> None:
    """rpt_pipeline_kpis and rpt_time_to_insight compute minutes to insight with one macro:
    after one build the KPIs over all builds equal that build's row, and each source's
    KPIs equal numpy's percentiles (linear, as quantile_cont) of fct_label_arrivals."""
    work, _ = built
    columns = ["median_minutes", "p90_minutes", "median_file_minutes", "p90_file_minutes"]
    kpis = query(
        work,
        "select kpi_key, median_minutes_to_insight, p90_minutes_to_insight, "
        "median_minutes_file_arrival_to_insight, p90_minutes_file_arrival_to_insight "
        "from main.rpt_pipeline_kpis",
    )
    per_key = {key: dict(zip(columns, values, strict=True)) for key, *values in kpis}
    [per_build] = query(
        work,
        "select median_minutes_from_ingestion, p90_minutes_from_ingestion, "
        "median_minutes_from_file_arrival, p90_minutes_from_file_arrival "
        "from main.rpt_time_to_insight where scope = 'run'",
    )
    assert per_key["all:all"] == dict(zip(columns, per_build, strict=True))
    assert per_build[0] is not None and per_build[2] is not None

    arrivals = query(
        work,
        "select source, minutes_from_ingestion, minutes_from_file_arrival "
        "from main.fct_label_arrivals",
    )
    for source in {a[0] for a in arrivals}:
        ingestion = [a[1] for a in arrivals if a[0] == source]
        files = [a[2] for a in arrivals if a[0] == source and a[2] is not None]
        expected = [
            *np.percentile(ingestion, [50, 90]),
            *(np.percentile(files, [50, 90]) if files else [None, None]),
        ]
        got = per_key[f"source:{source}"]
        for name, value in zip(columns, expected, strict=True):
            assert got[name] == (None if value is None else pytest.approx(value, abs=0.01))


def test_rerun_and_same_file_again_add_nothing_new_file_adds_its_rows(
    built: tuple[Path, dict],
) -> None:
    work, _ = built
    enriched_before = query(work, "select count(*) from main.int_texts__enriched")[0][0]
    bronze_before = query(work, "select count(*) from main_bronze.bronze_shop__reviews")[0][0]
    shop_files = sorted((work / "landing" / "shop").glob("*.csv"))
    shutil.copy(shop_files[0], work / "landing" / "shop" / "copy_of_first_export.csv")
    run_dbt(work, "build")
    assert (
        query(work, "select count(*) from main_bronze.bronze_shop__reviews")[0][0] == bronze_before
    )
    assert query(work, "select count(*) from main.int_texts__enriched")[0][0] == enriched_before

    new_file = work / "landing" / "shop" / "reviews_29991231.csv"
    header = shop_files[0].read_text(encoding="utf-8").splitlines()[0]
    rows = [
        "R-9999991,LMP-014,1,Cracked,The lamp arrived cracked in a crushed box,"
        "2026-11-22 09:00:00,C-00001",
        "R-9999992,LMP-014,5,Lovely,A lovely brand new sentence about a great lamp,"
        "2026-11-22 09:05:00,C-00001",
    ]
    new_file.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    # an unreadable file is quarantined with its name; the good new rows still flow
    (work / "landing" / "survey" / "nps_broken.csv").write_bytes(b"\xff\xfe\x00garbage\x00\n")
    run_dbt(work, "build")
    assert (
        query(work, "select count(*) from main_bronze.bronze_shop__reviews")[0][0]
        == bronze_before + 2
    )
    enriched_after = query(work, "select count(*) from main.int_texts__enriched")[0][0]
    assert enriched_after == enriched_before + 2
    quarantined = query(
        work,
        "select reject_reason from main.rpt_quarantined_rows "
        "where source_file = 'survey/nps_broken.csv'",
    )
    assert len(quarantined) == 1 and "nps_broken.csv" in quarantined[0][0]
