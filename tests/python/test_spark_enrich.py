"""Enrichment on a Spark cluster (feedback_lakehouse.enrichment.spark).

The function mapInPandas runs in each task is a pure function over pandas frames, tested
here without Spark. With FEEDBACK_TEST_SPARK=1 (make test-spark) and pyspark installed,
the same model code also runs for real on a local SparkSession.
"""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace
from typing import Any

import duckdb
import pandas as pd
import pytest

from feedback_lakehouse.enrichment.dbt_entry import ENRICHED_SCHEMA
from feedback_lakehouse.enrichment.engine import (
    enrich_frame,
    make_provider,
    resend_mask,
    resend_sql,
)
from feedback_lakehouse.enrichment.spark import (
    PRIOR_COLUMNS,
    enrich_partitions,
    is_spark_session,
    spark_ddl,
)
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

TEXTS = pd.DataFrame(
    {
        "text_hash": ["h1", "h2", "h3", "h4", "h5"],
        "text": [
            "My order never arrived and tracking has not updated for a week",
            "The zipper broke the first time I wore it",
            "I was charged twice, please refund me",
            "Love it, works great!!!",
            "",
        ],
        "language": ["en", "en", "en", "en", None],
    }
)


@pytest.fixture
def taxonomy(llm_taxonomy: Taxonomy) -> Taxonomy:
    return llm_taxonomy


def _partitions(frame: pd.DataFrame, sizes: list[int]) -> list[pd.DataFrame]:
    out, start = [], 0
    for size in sizes:
        out.append(frame.iloc[start : start + size].reset_index(drop=True))
        start += size
    return out


def test_partitions_give_the_same_rows_as_one_frame(taxonomy):
    frames = _partitions(TEXTS, [2, 0, 3])  # an empty partition is skipped
    out = list(
        enrich_partitions(
            iter(frames),
            provider_name="offline",
            options={},
            taxonomy=taxonomy,
            schema=ENRICHED_SCHEMA,
        )
    )
    assert len(out) == 2
    spread = pd.concat(out, ignore_index=True)
    assert list(spread.columns) == [field.name for field in ENRICHED_SCHEMA]
    whole = enrich_frame(TEXTS, taxonomy, make_provider("offline"))
    assert sorted(spread["enrichment_key"]) == sorted(whole["enrichment_key"])
    by_key = whole.set_index("enrichment_key")
    for row in spread.itertuples():
        assert row.main_category == by_key.loc[row.enrichment_key, "main_category"]
        assert row.status == by_key.loc[row.enrichment_key, "status"]
    # Arrow-friendly types for Spark: naive timestamps, float and bool columns
    assert str(spread["enriched_at"].dtype).startswith("datetime64")
    assert spread["enriched_at"].dt.tz is None


STORED = pd.DataFrame(
    {
        "enrichment_key": [f"k{i}" for i in range(8)],
        "status": [
            "ok",
            "deferred",
            "failed",
            "failed",
            "failed",
            "failed",
            "needs_review",
            "failed",
        ],
        "failure_kind": [
            None,
            None,
            "retryable",
            "retryable",
            "permanent",
            None,
            None,
            "retryable",
        ],
        "run_attempts": [1, 0, 1, 3, 1, None, 1, 2],
    }
)


@pytest.mark.parametrize("columns", ["all", "before failure kinds"])
def test_resend_sql_picks_the_rows_resend_mask_picks(columns):
    """Spark and DuckDB decide in SQL which stored rows go out again: the same rows as
    the engine's resend_mask, also on a table built before failure kinds existed."""
    stored = STORED if columns == "all" else STORED[["enrichment_key", "status"]]
    expected = set(stored[resend_mask(stored, max_run_attempts=3)]["enrichment_key"])
    condition = resend_sql(stored.columns, 3)
    picked = {
        key
        for (key,) in duckdb.sql(f"select enrichment_key from stored where {condition}").fetchall()
    }
    assert picked == expected
    if columns == "all":  # deferred, retryable under the cap, failed of unknown kind
        assert picked == {"k1", "k2", "k5", "k7"}


def test_a_text_sent_again_counts_its_runs_on(taxonomy):
    """A retryable failure sent again by the next run on Spark carries its stored row
    (pending_texts joins it on): run_attempts counts on from it, as on DuckDB."""
    frame = TEXTS.iloc[:2].copy()
    frame["prior_status"] = ["failed", None]
    frame["prior_failure_kind"] = ["retryable", None]
    frame["prior_run_attempts"] = [2, None]
    assert list(frame.columns[-3:]) == list(PRIOR_COLUMNS)
    (out,) = enrich_partitions(
        iter([frame]),
        provider_name="offline",
        options={},
        taxonomy=taxonomy,
        schema=ENRICHED_SCHEMA,
        max_run_attempts=3,
    )
    attempts = dict(zip(out["text_hash"], out["run_attempts"], strict=True))
    assert attempts == {"h1": 3, "h2": 1}


def test_provider_is_built_once_per_task_with_the_secrets_set(taxonomy, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    built: list[dict[str, Any]] = []

    def factory(name: str, **options: Any):
        built.append({"name": name, "key": os.environ.get("OPENAI_API_KEY"), **options})
        return make_provider("offline")

    list(
        enrich_partitions(
            iter(_partitions(TEXTS, [1, 2, 2])),
            provider_name="openai",
            options={"concurrency": 4},
            taxonomy=taxonomy,
            schema=ENRICHED_SCHEMA,
            env={"OPENAI_API_KEY": "from-the-scope", "OPENAI_BASE_URL": ""},
            provider_factory=factory,
        )
    )
    assert built == [{"name": "openai", "key": "from-the-scope", "concurrency": 4}]
    assert "OPENAI_BASE_URL" not in os.environ or os.environ["OPENAI_BASE_URL"] != ""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def test_no_rows_no_provider(taxonomy):
    def factory(name: str, **options: Any):
        raise AssertionError("no provider is needed for an empty partition")

    out = enrich_partitions(
        iter([TEXTS.iloc[0:0]]),
        provider_name="offline",
        options={},
        taxonomy=taxonomy,
        schema=ENRICHED_SCHEMA,
        provider_factory=factory,
    )
    assert list(out) == []


def test_spark_ddl_and_session_detection():
    ddl = spark_ddl(ENRICHED_SCHEMA)
    assert ddl.startswith("enrichment_key string, text_hash string, main_category string")
    assert "enriched_at timestamp" in ddl and "needs_review boolean" in ddl
    assert "prompt_tokens bigint" in ddl and "confidence double" in ddl
    assert not is_spark_session(object())
    assert is_spark_session(SimpleNamespace(createDataFrame=None, sparkContext=None))


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    if os.environ.get("FEEDBACK_TEST_SPARK") != "1":
        pytest.skip("set FEEDBACK_TEST_SPARK=1 (make test-spark) to run on a local Spark")
    pyspark_sql = pytest.importorskip("pyspark.sql")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    warehouse = tmp_path_factory.mktemp("spark")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.warehouse.dir", str(warehouse / "warehouse"))
        .getOrCreate()
    )
    yield session
    session.stop()


def test_enrichment_model_on_a_local_spark_session(spark, taxonomy):
    from feedback_lakehouse.enrichment.spark import enrichment_model_spark

    texts = spark.createDataFrame(TEXTS, schema="text_hash string, text string, language string")
    first = SimpleNamespace(is_incremental=False, this=None)
    out = enrichment_model_spark(
        first, spark, "offline", {}, taxonomy, texts, ENRICHED_SCHEMA, partitions=3
    )
    rows = out.toPandas()
    whole = enrich_frame(TEXTS, taxonomy, make_provider("offline"))
    assert sorted(rows["enrichment_key"]) == sorted(whole["enrichment_key"])
    assert set(rows["status"]) <= {"ok", "needs_review", "failed"}

    # incremental: the rows already in the table (dbt.this) are not enriched again
    out.write.format("parquet").mode("overwrite").saveAsTable("enriched_once")
    more = pd.concat(
        [
            TEXTS,
            pd.DataFrame(
                {"text_hash": ["h6"], "text": ["App crashes on login"], "language": ["en"]}
            ),
        ],
        ignore_index=True,
    )
    again = SimpleNamespace(is_incremental=True, this="enriched_once")
    second = enrichment_model_spark(
        again,
        spark,
        "offline",
        {},
        taxonomy,
        spark.createDataFrame(more, schema="text_hash string, text string, language string"),
        ENRICHED_SCHEMA,
        partitions=2,
    ).toPandas()
    assert list(second["text_hash"]) == ["h6"]

    # a retryable failure under the cap is sent again and counts its runs on; a
    # permanent one and one at the cap are not
    stored = out.toPandas()
    stored["failure_kind"] = None
    stored.loc[stored["text_hash"] == "h1", ["status", "failure_kind", "run_attempts"]] = [
        "failed",
        "retryable",
        1,
    ]
    stored.loc[stored["text_hash"] == "h2", ["status", "failure_kind", "run_attempts"]] = [
        "failed",
        "permanent",
        1,
    ]
    stored.loc[stored["text_hash"] == "h3", ["status", "failure_kind", "run_attempts"]] = [
        "failed",
        "retryable",
        3,
    ]
    spark.createDataFrame(stored, schema=spark_ddl(ENRICHED_SCHEMA)).write.format("parquet").mode(
        "overwrite"
    ).saveAsTable("enriched_failed")
    third = enrichment_model_spark(
        SimpleNamespace(is_incremental=True, this="enriched_failed"),
        spark,
        "offline",
        {},
        taxonomy,
        texts,
        ENRICHED_SCHEMA,
        partitions=2,
        max_run_attempts=3,
    ).toPandas()
    assert dict(zip(third["text_hash"], third["run_attempts"], strict=True)) == {"h1": 2}


def test_the_spark_smoke_test_writes_every_landing_source_as_a_bronze_table() -> None:
    """scripts/spark_smoke.py (make test-spark) writes the bronze source tables itself;
    a landing source it misses (jira, when `alerts sync` was added) fails only there."""
    import importlib.util
    from pathlib import Path

    from feedback_lakehouse.ingest.specs import SOURCES

    path = Path(__file__).resolve().parents[2] / "scripts" / "spark_smoke.py"
    spec = importlib.util.spec_from_file_location("spark_smoke", path)
    assert spec is not None and spec.loader is not None
    smoke = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(smoke)
    # the fixed sources, plus the bring-your-own one (its own spec, custom_source.py)
    assert set(smoke.BRONZE) == {*SOURCES, "custom"}
