"""End to end: taxonomy v1, then the default v2, on one DuckDB file; drift marts add up.

Two real `dbt build` runs (subprocess) on a small sample in a temporary folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_helpers import query, run_dbt

from feedback_devtools.sample import generate

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    work = tmp_path_factory.mktemp("drift")
    manifest = generate(work / "landing", records=1500, seed=5)
    run_dbt(work, "build", variables={"taxonomy_version": "v1"})
    after_v1 = {
        "v1_keys": set(query(work, "select enrichment_key from main.int_texts__enriched")),
        "v1_version": query(
            work,
            "select distinct taxonomy_version from main.fct_feedback_labels "
            "where taxonomy_version is not null",
        ),
    }
    run_dbt(work, "build")
    return work, manifest, after_v1


def test_v2_re_enriches_and_keeps_the_v1_rows(built: tuple[Path, dict, dict]) -> None:
    work, _, after_v1 = built
    assert after_v1["v1_version"] == [("v1",)]
    counts = dict(
        query(work, "select taxonomy_version, count(*) from main.int_texts__enriched group by 1")
    )
    assert set(counts) == {"v1", "v2"} and counts["v1"] == counts["v2"] > 0
    keys = set(query(work, "select enrichment_key from main.int_texts__enriched"))
    assert after_v1["v1_keys"] < keys  # old rows kept, new rows added
    assert query(
        work,
        "select distinct taxonomy_version from main.fct_feedback "
        "where taxonomy_version is not null",
    ) == [("v2",)]


def test_snapshot_holds_both_label_states(built: tuple[Path, dict, dict]) -> None:
    work, _, _ = built
    rows = dict(
        (version, (n, closed))
        for version, n, closed in query(
            work,
            "select taxonomy_version, count(*), count(dbt_valid_to) "
            "from main_snapshots.snp_feedback_labels where taxonomy_version is not null "
            "group by 1",
        )
    )
    enriched = query(
        work, "select count(*) from main.fct_feedback where taxonomy_version is not null"
    )[0][0]
    assert rows["v1"] == (enriched, enriched)  # every v1 state closed by v2
    assert rows["v2"] == (enriched, 0)


def test_churn_adds_up_and_shows_the_split_and_merge(built: tuple[Path, dict, dict]) -> None:
    work, _, _ = built
    records = query(work, "select count(*) from main.fct_feedback")[0][0]
    assert query(work, "select sum(items), max(items_total) from main.rpt_label_churn") == [
        (records, records)
    ]
    moved = dict(
        ((a, b), n)
        for a, b, n in query(
            work,
            "select from_category_id, to_category_id, items from main.rpt_label_churn "
            "where is_label_changed and is_expected_by_mapping",
        )
    )
    assert moved[("pricing", "pricing_billing")] > 0
    assert moved[("billing_payment", "pricing_billing")] > 0
    assert moved[("shipping_delivery", "delivery_delay")] > 0
    by_category = query(
        work,
        "select sum(items) from main.rpt_label_churn_by_category",
    )
    assert by_category == [(records,)]


def test_candidate_topics_find_the_planted_theme(built: tuple[Path, dict, dict]) -> None:
    work, manifest, _ = built
    gap = manifest["taxonomy_gap"]
    topics = query(work, "select top_terms, items from main.rpt_candidate_topics")
    matching = [
        (terms, items)
        for terms, items in topics
        if len(set(terms.split(", ")[:5]) & set(gap["keywords"])) >= 2
    ]
    assert len(matching) == 1, topics
    assert matching[0][1] >= 0.5 * gap["count"]


def test_restated_trends_cover_the_version_in_force(built: tuple[Path, dict, dict]) -> None:
    work, _, _ = built
    series = dict(
        query(
            work,
            "select series, round(sum(items), 6) from main.rpt_restated_weekly_trends group by 1",
        )
    )
    assert set(series) == {"native", "restated_from_v1", "blended"}
    # weights of a split add up to 1, so every series counts each record once
    assert series["native"] == series["restated_from_v1"] == series["blended"]
