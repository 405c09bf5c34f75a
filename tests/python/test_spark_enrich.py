"""Enrichment on a Spark cluster (feedback_lakehouse.spark).

The function mapInPandas runs in each task is a pure function over pandas frames, tested
here without Spark. With FEEDBACK_TEST_SPARK=1 (make test-spark) and pyspark installed,
the same model code also runs for real on a local SparkSession.
"""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from feedback_lakehouse.engine import enrich_frame, make_provider
from feedback_lakehouse.enrich import ENRICHED_SCHEMA
from feedback_lakehouse.spark import enrich_partitions, is_spark_session, spark_ddl
from feedback_lakehouse.taxonomy import Taxonomy

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
    from feedback_lakehouse.spark import enrichment_model_spark

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
