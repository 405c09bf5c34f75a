"""Dialect smoke test: every SQL model on a local Spark session (make test-spark).

dbt-spark's `session` method runs dbt inside this process on a local pyspark, so one JVM
serves every step (parquet tables in a throwaway warehouse: the Delta jar cannot be
fetched here). Python models and snapshots do not run on it; this script stands in for
them with the package's own code:

1. bronze: the sample's landing files read by `bronze.bronze_model` (what the DuckDB
   bronze models run) and written as the `bronze` source tables;
2. dbt seed, then the SQL models up to the cleaned texts;
3. languages: `language_dbt.language_model` on the Spark session (Spark DataFrame out), and
   the near-duplicate groups (`near_duplicates.near_duplicate_model`) on the same session;
4. the SQL models up to the texts to enrich;
5. enrichment: `enrich.enrichment_model` on the Spark session, i.e. `spark.py`'s
   mapInPandas over the offline provider, the code path a Databricks cluster runs;
6. every remaining SQL model, then their data tests and unit tests, and the contracted
   marts' not_null constraints as queries (dbt-spark sets them on Delta tables only);
7. the ai_query model (Databricks only) compiled for the databricks target and run with
   canned answers in place of ai_query(), to check its parsing and statuses.

Usage: python scripts/spark_smoke.py [--records N] [--keep] [--no-tests]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

PROJECT = Path(__file__).resolve().parent.parent
SCHEMA = "feedback"
BRONZE = {
    "shop": "shop__reviews",
    "helpdesk": "helpdesk__tickets",
    "appstore": "appstore__reviews",
    "survey": "survey__nps_responses",
    "crm": "crm__customers",
    "reviews": "reviews__decisions",
    "gold": "gold__labels",
    "custom": "custom__feedback",
    "jira": "jira__issues",
}
PYTHON_MODELS = "tag:python"


def log(message: str) -> None:
    print(f"[spark-smoke {time.strftime('%H:%M:%S')}] {message}", flush=True)


def dbt(args: list[str], work: Path) -> None:
    from dbt.cli.main import dbtRunner

    command = [
        *args,
        "--profiles-dir",
        str(PROJECT / "profiles"),
        "--project-dir",
        str(PROJECT),
        "--target",
        "spark",
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--vars",
        "{landing_dir: " + str(work / "landing") + "}",
    ]
    log("dbt " + " ".join(args))
    result = dbtRunner().invoke(command)
    if not result.success:
        raise SystemExit(f"dbt {args[0]} failed on the Spark session: {result.exception or ''}")


AI_QUERY_ANSWER = (
    '{"main_category": "CATEGORY", "secondary_categories": [], "sentiment": "negative", '
    '"sentiment_intensity": 0.8, "urgency": "high", "root_cause_guess": "r", '
    '"suggested_owner": "o", "short_summary": "s", "rationale": "r", '
    '"confidence": CONFIDENCE, "needs_review": false, "language": "en"}'
)


def check_ai_query(spark, work: Path) -> None:
    """The ai_query model's parsing and validation on Spark: its SQL compiled for the
    databricks target (offline), with ai_query() (Databricks only) replaced by canned
    per-row answers: valid, a category outside the taxonomy, low confidence, not JSON,
    and a call error. Each must get its status."""
    from dbt.cli.main import dbtRunner

    category = spark.sql(
        f"select min(category_id) from {SCHEMA}_taxonomy.taxonomy_categories"
    ).collect()[0][0]
    env = {
        "DATABRICKS_HOST": "dummy.cloud.databricks.com",
        "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/dummy",
        "DATABRICKS_TOKEN": "dummy",
        "DATABRICKS_CATALOG": "spark_catalog",
        "DATABRICKS_SCHEMA": SCHEMA,
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        result = dbtRunner().invoke(
            [
                "compile",
                "--profiles-dir",
                str(PROJECT / "profiles"),
                "--project-dir",
                str(PROJECT),
                "--target",
                "databricks",
                "--target-path",
                str(work / "target-databricks"),
                "--log-path",
                str(work / "logs"),
                "--no-populate-cache",
                "--no-introspect",
                "--log-level",
                "none",
                "--vars",
                "{enrichment_provider: ai_query}",
                "--select",
                "int_texts__enriched_ai_query",
            ]
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if not result.success:
        raise SystemExit(f"compiling the ai_query model failed: {result.exception or ''}")
    compiled = next((work / "target-databricks").rglob("int_texts__enriched_ai_query.sql"))
    sql = compiled.read_text()
    start = sql.index("ai_query(", sql.index("answered as"))
    end = sql.index(") as response", start)

    def answer(category_id: str, confidence: float) -> str:
        text = AI_QUERY_ANSWER.replace("CATEGORY", category_id)
        text = text.replace("CONFIDENCE", str(confidence))
        return f"named_struct('result', '{text}', 'errorMessage', cast(null as string))"

    canned = (
        "case pmod(hash(todo.text_hash), 5)"
        f" when 0 then {answer(category, 0.9)}"
        f" when 1 then {answer('teleportation', 0.9)}"
        f" when 2 then {answer(category, 0.1)}"
        " when 3 then named_struct('result', 'not json', 'errorMessage', cast(null as string))"
        " else named_struct('result', cast(null as string), 'errorMessage', 'rate limited')"
        " end"
    )
    rows = spark.sql(sql[:start] + canned + sql[end + 1 :]).toPandas()
    by_status = rows.groupby("status").size().to_dict()
    log(f"ai_query model with canned answers: {by_status}")
    problems = []
    # providers record evidence: an answer is `ok` with its review_signals; the status
    # (needs_review for low confidence or an unknown category) is int_feedback__status's
    if set(by_status) != {"ok", "failed"}:
        problems.append(f"statuses {sorted(by_status)}")
    unknown = rows[rows["error"].fillna("").str.startswith("category outside")]
    if unknown.empty or set(unknown["main_category"]) != {"unknown"}:
        problems.append("a category outside the taxonomy must become unknown")
    if not all("label_coerced" in (signals or "") for signals in unknown["review_signals"]):
        problems.append("a category outside the taxonomy must carry the signal label_coerced")
    low = rows[(rows["status"] == "ok") & (rows["confidence"] < 0.2)]
    if low.empty:
        problems.append("the low-confidence answer must be stored ok with its confidence")
    failed = rows[rows["status"] == "failed"]
    if set(failed["error"]) != {
        "rate limited",
        "the answer is not valid JSON of the enrichment schema",
    }:
        problems.append(f"failed rows' errors: {sorted(set(failed['error']))}")
    if failed["main_category"].notna().any():
        problems.append("failed rows must carry no labels")
    if set(rows["enrichment_key"].str.len()) != {32} or rows["enrichment_key"].duplicated().any():
        problems.append("enrichment keys must be unique 32-character hashes")
    if problems:
        raise SystemExit("ai_query model: " + "; ".join(problems))


def check_not_null_constraints(spark, work: Path) -> None:
    """The contracted marts' `not_null` constraints stand in for not_null data tests: DuckDB
    and Databricks (Delta) enforce them when the table is built, but dbt-spark sets them on
    Delta tables only, so on these parquet tables each constrained column is checked here."""
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    problems, checked = [], 0
    for node in manifest["nodes"].values():
        columns = [
            name
            for name, column in node.get("columns", {}).items()
            if any(c["type"] == "not_null" for c in column.get("constraints", []))
        ]
        if node["resource_type"] != "model" or not columns:
            continue
        counts = ", ".join(f"count_if({name} is null) as {name}" for name in columns)
        nulls = spark.sql(f"select {counts} from {node['relation_name']}").collect()[0]
        checked += len(columns)
        problems += [f"{node['name']}.{name}: {nulls[name]}" for name in columns if nulls[name]]
    log(f"not_null constraints checked on {checked} columns")
    if problems:
        raise SystemExit("nulls in not_null columns: " + "; ".join(problems))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--no-tests", action="store_true", help="models only")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="spark-smoke-"))
    os.chdir(work)  # Spark and Derby leave derby.log and spark-warehouse/ in the cwd
    os.environ["FEEDBACK_SPARK_DIR"] = str(work)
    os.environ["FEEDBACK_SPARK_SCHEMA"] = SCHEMA
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    started = time.monotonic()
    try:
        import subprocess

        from pyspark.sql import SparkSession

        from feedback_lakehouse.enrichment import dbt_entry as enrich
        from feedback_lakehouse.enrichment.spark import spark_ddl
        from feedback_lakehouse.ingest.bronze import bronze_model
        from feedback_lakehouse.text.language_dbt import language_model

        subprocess.run(
            [
                str(Path(sys.executable).parent / "feedback"),
                "sample",
                "--records",
                str(options.records),
                "--seed",
                str(options.seed),
                "--out",
                str(work / "landing"),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        # the same settings as the profile's `spark` target (dbt-spark reuses this session)
        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.sql.warehouse.dir", str(work / "warehouse"))
            .config(
                "spark.hadoop.javax.jdo.option.ConnectionURL",
                f"jdbc:derby:;databaseName={work / 'metastore_db'};create=true",
            )
            .enableHiveSupport()
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        log(f"Spark {spark.version} up in {time.monotonic() - started:.0f}s")
        # the macro mask_pii calls the package's masking as a session function, as the
        # DuckDB plugin and the Unity Catalog function do
        from feedback_lakehouse.enrichment.spark import register_mask_pii

        register_mask_pii(spark)

        spark.sql(f"create database if not exists {SCHEMA}_bronze")
        first_run = SimpleNamespace(is_incremental=False, this=None)
        for source, name in BRONZE.items():
            rows = bronze_model(first_run, spark, source, {"landing_dir": str(work / "landing")})
            table = f"{SCHEMA}_bronze.bronze_{name}"
            frame = spark.createDataFrame(rows.to_pandas(), schema=spark_ddl(rows.schema))
            frame.write.format("parquet").mode("overwrite").saveAsTable(table)
            log(f"bronze {table}: {rows.num_rows} rows")

        dbt(["seed"], work)
        # every SQL model that does not need the Python models' output
        dbt(["run", "--exclude", PYTHON_MODELS, "int_texts__languages+"], work)

        stub = first_run
        languages = language_model(stub, spark, spark.table(f"{SCHEMA}.int_feedback__cleaned"))
        languages.write.format("parquet").mode("overwrite").saveAsTable(
            f"{SCHEMA}.int_texts__languages"
        )
        log(f"int_texts__languages: {languages.count()} rows")

        from feedback_lakehouse.text.near_duplicates import near_duplicate_model

        groups = near_duplicate_model(
            stub,
            spark,
            spark.table(f"{SCHEMA}.int_feedback__cleaned"),
            {"near_duplicate_threshold": 0.75},
        )
        groups.write.format("parquet").mode("overwrite").saveAsTable(
            f"{SCHEMA}.int_texts__near_duplicates"
        )
        log(f"int_texts__near_duplicates: {groups.count()} rows")

        dbt(
            [
                "run",
                "--select",
                "int_texts__languages+",
                "--exclude",
                PYTHON_MODELS,
                "int_texts__enriched+",
            ],
            work,
        )
        settings = {"enrichment_provider": "offline", "spark_partitions": 2}
        enriched = enrich.enrichment_model(
            stub,
            spark,
            settings,
            texts=spark.table(f"{SCHEMA}.int_texts__to_enrich"),
            categories=spark.table(f"{SCHEMA}_taxonomy.taxonomy_categories"),
            versions=spark.table(f"{SCHEMA}_taxonomy.taxonomy_versions"),
            prices=spark.table(f"{SCHEMA}_reference.model_prices"),
        )
        enriched.write.format("parquet").mode("overwrite").saveAsTable(
            f"{SCHEMA}.int_texts__enriched"
        )
        count = spark.table(f"{SCHEMA}.int_texts__enriched").count()
        log(f"int_texts__enriched (mapInPandas): {count} rows")

        # snapshots need Delta: the models reading snp_feedback_labels get a stand-in
        # with the snapshot's columns (every label current)
        snapshot = "snp_feedback_labels"
        dbt(
            [
                "run",
                "--select",
                "int_texts__enriched+",
                "--exclude",
                PYTHON_MODELS,
                f"{snapshot}+",
            ],
            work,
        )
        spark.sql(f"create database if not exists {SCHEMA}_snapshots")
        spark.sql(
            f"create table {SCHEMA}_snapshots.{snapshot} using parquet as "
            "select *, md5(feedback_id) as dbt_scd_id, current_timestamp() as dbt_updated_at, "
            "current_timestamp() as dbt_valid_from, cast(null as timestamp) as dbt_valid_to "
            f"from {SCHEMA}.fct_feedback_labels"
        )
        dbt(["run", "--select", f"{snapshot}+", "--exclude", snapshot], work)
        if not options.no_tests:
            dbt(
                [
                    "test",
                    "--exclude",
                    PYTHON_MODELS,
                    "snp_feedback_labels",
                ],
                work,
            )
            check_not_null_constraints(spark, work)
        check_ai_query(spark, work)
        log(f"every SQL model ran on Spark {spark.version} in {time.monotonic() - started:.0f}s")
        return 0
    finally:
        if options.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
