"""Enrichment on a Spark cluster (Databricks): the same engine code, spread by mapInPandas.

The dbt Python model hands `enrichment_model` a Spark DataFrame of texts when it runs on
Databricks; `enrichment_model_spark` then

1. works out, on the driver, the taxonomy in force and the provider's name, model and
   prompt version (so every key is the same as on DuckDB);
2. drops the texts already enriched under those four (an anti-join with the model's own
   table, `dbt.this`), so a re-run makes no call; deferred rows and retryable failures
   under `llm_max_run_attempts` (`engine.resend_sql`, the same rule as on DuckDB) are
   sent again, with their stored status, failure kind and runs tried, so `run_attempts`
   counts on across runs;
3. spreads the rest over `partitions` tasks with `mapInPandas`. Each task builds its own
   provider (a provider holds HTTP clients and thread pools: it cannot be pickled) and
   runs `engine.enrich_frame` on its share, exactly as the DuckDB model does.

Secrets: for the LLM providers the driver reads the keys from a Databricks secret scope
(`llm_secret_scope`, via dbutils) or from the cluster's environment, and hands them to
the tasks, which set them as environment variables before building the provider.

`enrich_partitions` is the function that runs inside each task: a pure function over an
iterator of pandas frames, so pytest checks it without Spark.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import pandas as pd
import pyarrow as pa

from feedback_lakehouse.contracts import enrichment_key
from feedback_lakehouse.dbt_glue import to_arrow
from feedback_lakehouse.enrichment.engine import (
    DEFAULT_MAX_RUN_ATTEMPTS,
    TEXT_COLUMNS,
    enrich_frame,
    make_provider,
    resend_sql,
)
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

# environment variables the LLM providers read (see README "LLM enrichment")
SECRET_ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "OPENAI_API_VERSION",
)

_SPARK_TYPES = {
    pa.string(): "string",
    pa.float64(): "double",
    pa.int64(): "bigint",
    pa.bool_(): "boolean",
    pa.timestamp("us"): "timestamp",
}


def is_spark_session(session: Any) -> bool:
    """True for a SparkSession (Databricks), false for a DuckDB connection."""
    return hasattr(session, "createDataFrame") and hasattr(session, "sparkContext")


def spark_ddl(schema: pa.Schema) -> str:
    """A Spark DDL schema string (`a string, b double`) for an Arrow schema."""
    parts = []
    for field in schema:
        if field.type not in _SPARK_TYPES:
            raise TypeError(f"no Spark type for {field.name}: {field.type}")
        parts.append(f"{field.name} {_SPARK_TYPES[field.type]}")
    return ", ".join(parts)


def to_spark(session: Any, frame: pd.DataFrame, schema: pa.Schema) -> Any:
    """A pandas frame as a Spark DataFrame with a fixed schema (empty frames keep types)."""
    table = to_arrow(frame, schema)
    return session.createDataFrame(table.to_pandas(), schema=spark_ddl(schema))


def enrich_partitions(
    frames: Iterable[pd.DataFrame],
    *,
    provider_name: str,
    options: Mapping[str, Any],
    taxonomy: Taxonomy,
    schema: pa.Schema,
    env: Mapping[str, str] | None = None,
    provider_factory: Callable[..., Any] = make_provider,
    max_run_attempts: int = DEFAULT_MAX_RUN_ATTEMPTS,
) -> Iterator[pd.DataFrame]:
    """Enrich each frame of texts (`text_hash`, `text`, `language`) with a provider built
    here, in the task: what `mapInPandas` runs on every partition.

    `env` (secrets) is set in the task's environment first. Each output frame has the
    columns and types of `schema`, so Spark gets the same rows as DuckDB would. A text
    sent again carries its stored row in `PRIOR_COLUMNS` (`pending_texts`): the engine
    counts its `run_attempts` on from there.
    """
    for key, value in (env or {}).items():
        if value:
            os.environ[key] = value
    provider = None
    for frame in frames:
        if frame.empty:
            continue
        if provider is None:
            provider = provider_factory(provider_name, **dict(options))
        enriched = enrich_frame(
            frame[TEXT_COLUMNS],
            taxonomy,
            provider,
            existing_keys=_prior_state(frame, taxonomy, provider),
            max_run_attempts=max_run_attempts,
        )
        yield to_arrow(enriched, schema).to_pandas()


# the stored row of a text sent again, joined onto it by pending_texts
PRIOR_COLUMNS = {
    "prior_status": "string",
    "prior_failure_kind": "string",
    "prior_run_attempts": "bigint",
}


def _prior_state(frame: pd.DataFrame, taxonomy: Taxonomy, provider: Any) -> pd.DataFrame | None:
    """The stored rows of the frame's texts that are sent again, as the engine's
    `existing_keys` (enrichment_key, status, failure_kind, run_attempts)."""
    if "prior_status" not in frame.columns:
        return None
    prior = frame[frame["prior_status"].notna()]
    if prior.empty:
        return None
    prompt_version = provider.prompt_version(taxonomy)
    keys = [
        enrichment_key(h, taxonomy.version, prompt_version, provider.name, provider.model)
        for h in prior["text_hash"]
    ]
    return pd.DataFrame(
        {
            "enrichment_key": keys,
            "status": prior["prior_status"].to_numpy(),
            "failure_kind": prior["prior_failure_kind"].to_numpy(),
            "run_attempts": prior["prior_run_attempts"].to_numpy(),
        }
    )


def secrets_from_scope(session: Any, scope: str | None) -> dict[str, str]:
    """The providers' keys: from the Databricks secret scope `scope` (key names as the
    environment variables) when given, else from the driver's environment."""
    found = {name: os.environ[name] for name in SECRET_ENV_VARS if os.environ.get(name)}
    if not scope:
        return found
    from pyspark.dbutils import DBUtils  # only on Databricks

    dbutils = DBUtils(session)
    listed = {item.key for item in dbutils.secrets.list(scope)}
    for name in SECRET_ENV_VARS:
        if name in listed:
            found[name] = dbutils.secrets.get(scope=scope, key=name)
    return found


def pending_texts(
    texts: Any,
    existing: Any,
    taxonomy_version: str,
    prompt_version: str,
    provider: Any,
    max_run_attempts: int = DEFAULT_MAX_RUN_ATTEMPTS,
) -> Any:
    """Texts whose (text, taxonomy, prompt, provider/model) key is not stored yet, or
    whose stored row is to be sent again (`engine.resend_sql`: deferred, or a retryable
    failure under `max_run_attempts`); those carry the stored row in `PRIOR_COLUMNS`."""
    from pyspark.sql import functions as F

    if existing is None:
        return texts.select(
            *texts.columns,
            *(F.lit(None).cast(t).alias(c) for c, t in PRIOR_COLUMNS.items()),
        )
    current = existing.where(
        (F.col("taxonomy_version") == taxonomy_version)
        & (F.col("prompt_version") == prompt_version)
        & (F.col("provider") == provider.name)
        & (F.col("model") == provider.model)
    )
    columns = {c.lower() for c in existing.columns}
    resend = F.expr(resend_sql(columns, max_run_attempts, string_type="string"))
    done = current.where(~resend).select("text_hash")
    kind = "failure_kind" if "failure_kind" in columns else "cast(null as string)"
    attempts = "run_attempts" if "run_attempts" in columns else "cast(null as bigint)"
    again = current.where(resend).select(
        "text_hash",
        F.col("status").alias("prior_status"),
        F.expr(kind).alias("prior_failure_kind"),
        F.expr(attempts).cast("bigint").alias("prior_run_attempts"),
    )
    return texts.join(done, on="text_hash", how="left_anti").join(again, on="text_hash", how="left")


def enrichment_model_spark(
    dbt: Any,
    session: Any,
    provider_name: str,
    options: dict[str, Any],
    taxonomy: Taxonomy,
    texts: Any,
    schema: pa.Schema,
    partitions: int = 8,
    secret_scope: str | None = None,
    max_run_attempts: int = DEFAULT_MAX_RUN_ATTEMPTS,
) -> Any:
    """The enrichment model on Spark: a Spark DataFrame of new enrichment rows."""
    options = dict(options)
    options.pop("cache_path", None)  # a local SQLite file: not shared by the tasks
    partitions = max(1, int(partitions))
    for cap in ("max_calls", "max_cost_usd"):  # budgets are per task: split them
        if options.get(cap) is not None:
            options[cap] = float(options[cap]) / partitions
            if cap == "max_calls":
                options[cap] = max(1, int(options[cap]))
    env = secrets_from_scope(session, secret_scope)
    for key, value in env.items():  # the driver builds a provider too, for the keys
        os.environ.setdefault(key, value)
    probe = make_provider(provider_name, **options)
    prompt_version = probe.prompt_version(taxonomy)
    existing = session.table(str(dbt.this)) if dbt.is_incremental else None
    todo = pending_texts(
        texts.select(*TEXT_COLUMNS),
        existing,
        taxonomy.version,
        prompt_version,
        probe,
        max_run_attempts,
    )
    todo = todo.dropDuplicates(["text_hash"]).repartition(partitions)

    def run(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        return enrich_partitions(
            frames,
            provider_name=provider_name,
            options=options,
            taxonomy=taxonomy,
            schema=schema,
            env=env,
            max_run_attempts=max_run_attempts,
        )

    return todo.mapInPandas(run, schema=spark_ddl(schema))


def register_mask_pii(session: Any) -> None:
    """Add `feedback_mask_pii(string) -> string` (the package's `pii.mask_pii`) to a Spark
    session, for the macro `mask_pii` on the local Spark target (scripts/spark_smoke.py)."""
    from pyspark.sql.functions import pandas_udf

    from feedback_lakehouse.text.duckdb_udfs import MASK_PII_FUNCTION
    from feedback_lakehouse.text.pii import mask_pii

    @pandas_udf("string")  # type: ignore[misc]
    def _mask(texts: pd.Series) -> pd.Series:
        return texts.map(lambda text: None if text is None else mask_pii(text))

    session.udf.register(MASK_PII_FUNCTION, _mask)
