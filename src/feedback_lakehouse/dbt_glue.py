"""What the thin dbt Python models call: reading refs and their own table, shaping output.

Kept here, not in the dbt Python models, so pytest can reach it. Engine differences (DuckDB
relation vs Spark DataFrame) are handled in one place.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa


def to_pandas(obj: Any) -> pd.DataFrame:
    """A dbt ref/source result as pandas, whichever engine produced it."""
    if isinstance(obj, pd.DataFrame):
        return obj
    if hasattr(obj, "toPandas"):  # Spark DataFrame
        return obj.toPandas()
    if hasattr(obj, "df"):  # DuckDB relation
        return obj.df()
    raise TypeError(f"cannot turn {type(obj).__name__} into a pandas DataFrame")


def existing_values(dbt: Any, session: Any, column: str, where: str | None = None) -> set[str]:
    """Distinct values of `column` already stored in this incremental model's table."""
    if not dbt.is_incremental:
        return set()
    query = f"select distinct {column} from {dbt.this}"
    if where:
        query += f" where {where}"
    result = session.sql(query)
    if hasattr(result, "collect"):  # Spark
        return {row[0] for row in result.collect() if row[0] is not None}
    return {row[0] for row in result.fetchall() if row[0] is not None}


def config_value(settings: dict[str, Any], key: str, default: Any = None) -> Any:
    """A setting read by the model file with `dbt.config.get` (dbt only hands a Python
    model the config keys its own file asks for); blanks become the default."""
    value = settings.get(key)
    if value is None or (isinstance(value, str) and value.strip() in ("", "None", "none")):
        return default
    return value


def to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """A frame as an Arrow table with a fixed schema, so empty frames still have types."""
    columns = [field.name for field in schema]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks columns {missing}")
    return pa.Table.from_pandas(frame[columns], schema=schema, preserve_index=False)


def is_duckdb_relation(obj: Any) -> bool:
    """A DuckDB relation (what `dbt.ref` gives a Python model on DuckDB)."""
    return (
        hasattr(obj, "filter")
        and hasattr(obj, "project")
        and hasattr(obj, "df")
        and not hasattr(obj, "toPandas")
    )


def new_rows_only(
    dbt: Any, relation: Any, key: str, where: str | None = None, expression: str | None = None
) -> Any:
    """On DuckDB, `relation` without the rows whose `key` this incremental model's table
    already holds (`where` narrows the stored rows; `expression` computes the key from
    the relation's columns when it has no such column): an anti-join in SQL, so an
    incremental run reads only new rows instead of the whole ref into pandas.

    Anything else (a pandas or Spark frame, or a full build) comes back unchanged.
    """
    if not dbt.is_incremental or not is_duckdb_relation(relation):
        return relation
    stored = f"select {key} from {dbt.this} where {key} is not null"
    if where:
        stored += f" and ({where})"
    return relation.filter(f"{expression or key} not in ({stored})")


def sql_literal(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def project(relation: Any, columns: list[str]) -> Any:
    """On DuckDB, only `columns` of `relation` (read in scan order); else unchanged."""
    if not is_duckdb_relation(relation):
        return relation
    return relation.project(", ".join(columns))


def new_cleaned_texts(dbt: Any, cleaned: Any) -> pd.DataFrame:
    """The distinct non-empty texts (`text_hash`, `masked_text`) of `int_feedback__cleaned`;
    on DuckDB, on an incremental run, only those this model has not stored (`new_rows_only`,
    in SQL): what the language and near-duplicate models each work on."""
    cleaned = new_rows_only(
        dbt, project(cleaned, ["text_hash", "masked_text", "is_empty"]), "text_hash"
    )
    texts = to_pandas(cleaned)
    texts = texts.loc[~texts["is_empty"].astype(bool), ["text_hash", "masked_text"]]
    return texts.drop_duplicates("text_hash")
