"""The marts' not_null checks are enforced constraints, not data tests: a contracted table
model's column with `constraints: [{type: not_null}]` is NOT NULL in the built table, and
a build whose rows would put a null there fails, leaving the previous table as it was.

Built on a small sample: the bronze models and rpt_quarantined_rows (reads bronze only).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from dbt_helpers import query, run_dbt

from feedback_devtools.sample import generate

pytestmark = pytest.mark.e2e

MART = "rpt_quarantined_rows"
# the bronze tables rpt_quarantined_rows reads its rejected rows from
BRONZE = [
    "bronze_shop__reviews",
    "bronze_helpdesk__tickets",
    "bronze_appstore__reviews",
    "bronze_survey__nps_responses",
    "bronze_crm__customers",
    "bronze_reviews__decisions",
    "bronze_gold__labels",
    "bronze_custom__feedback",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("constraints")
    planted = generate(work / "landing", records=300, seed=7)["planted"]["malformed_rows"]
    assert planted > 0, "the sample must hold rejected rows"
    run_dbt(work, "build", "--select", f"+{MART}", "--exclude-resource-type", "unit_test")
    return work


def _manifest(work: Path) -> dict:
    return json.loads((work / "target" / "manifest.json").read_text())


def _not_null_columns(node: dict) -> set[str]:
    return {
        name
        for name, column in node["columns"].items()
        if any(c["type"] == "not_null" for c in column.get("constraints", []))
    }


def _nullable(work: Path, table: str) -> dict[str, str]:
    return dict(
        query(
            work,
            "select column_name, is_nullable from information_schema.columns "
            f"where table_schema = 'main' and table_name = '{table}'",
        )
    )


def test_not_null_constraints_are_in_the_built_table(built: Path) -> None:
    node = _manifest(built)["nodes"][f"model.feedback_lakehouse.{MART}"]
    assert node["config"]["contract"]["enforced"]
    constrained = _not_null_columns(node)
    assert constrained == {"source_file", "reject_reason"}
    nullable = _nullable(built, MART)
    assert set(nullable) == set(node["columns"])
    assert {c for c, flag in nullable.items() if flag == "NO"} == constrained
    assert nullable["raw_record"] == "YES"  # no constraint: nullable


def test_a_null_fails_the_build_and_keeps_the_previous_table(built: Path) -> None:
    before = query(built, f"select * from main.{MART} order by all")
    assert before and all(row[3] is not None for row in before)  # reject_reason

    # upstream, every rejected row loses its reason
    con = duckdb.connect(str(built / "warehouse.duckdb"))
    try:
        for table in BRONZE:
            con.execute(f"update main_bronze.{table} set _reject_reason = null where _is_rejected")
    finally:
        con.close()

    result = run_dbt(built, "run", "--select", MART, expect_ok=False)
    assert result.returncode != 0, "a null in a NOT NULL column must fail the build"
    assert "NOT NULL constraint failed" in result.stdout
    assert "reject_reason" in result.stdout
    # the failed build replaced nothing
    assert query(built, f"select * from main.{MART} order by all") == before
    assert _nullable(built, MART)["reject_reason"] == "NO"


def test_not_null_constraints_sit_on_tables_only(built: Path) -> None:
    """A constraint on a view is ignored (dbt warns): a not_null check there must stay a
    data test, or it checks nothing."""
    nodes = _manifest(built)["nodes"].values()
    on_views = [
        node["name"]
        for node in nodes
        if node["resource_type"] == "model"
        and _not_null_columns(node)
        and node["config"]["materialized"] not in ("table", "incremental")
    ]
    assert on_views == []
    constrained = [n for n in nodes if n["resource_type"] == "model" and _not_null_columns(n)]
    assert all(n["config"]["contract"]["enforced"] for n in constrained)
