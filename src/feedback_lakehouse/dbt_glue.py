"""What the thin dbt Python models call: reading refs and their own table, shaping output.

Kept here, not in `python_models/`, so pytest can reach it. Engine differences (DuckDB
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
