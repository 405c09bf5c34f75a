"""The bronze models' logic: append only the rows of landing files not loaded before."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import Any

import pandas as pd
import pyarrow as pa

from feedback_lakehouse.dbt_glue import config_value, existing_values, to_arrow
from feedback_lakehouse.ingest.custom_source import (
    CUSTOM_COLUMNS,
    SUPERSEDED,
    load_config,
    read_custom,
)
from feedback_lakehouse.ingest.landing import read_source
from feedback_lakehouse.ingest.specs import SOURCES

METADATA_FIELDS = [
    pa.field("_source_file", pa.string()),
    pa.field("_file_hash", pa.string()),
    pa.field("_row_number", pa.int64()),
    pa.field("_ingested_at", pa.timestamp("us")),
    pa.field("_is_rejected", pa.bool_()),
    pa.field("_reject_reason", pa.string()),
    pa.field("_raw_record", pa.string()),
    pa.field("_file_modified_at", pa.timestamp("us")),
]


def bronze_schema(source: str) -> pa.Schema:
    """Every data column is a raw string; staging casts them."""
    columns = list(CUSTOM_COLUMNS) if source == "custom" else SOURCES[source].columns
    return pa.schema([pa.field(c, pa.string()) for c in columns] + METADATA_FIELDS)


def quarantine_lines(frame: pd.DataFrame, model: str) -> list[str]:
    """One console line per file with quarantined rows: the file, how many of its rows,
    the first reason and what to do (the bronze table keeps every reason and raw row)."""
    lines: list[str] = []
    if frame.empty or not frame["_is_rejected"].any():
        return lines
    for name, rows in frame.groupby("_source_file", sort=True):
        # a row superseded by a later file's row with its id has its own warning
        reasons = rows["_reject_reason"].fillna("")
        rejected = rows[rows["_is_rejected"] & ~reasons.str.contains(SUPERSEDED, regex=False)]
        if rejected.empty:
            continue
        first = str(rejected["_reject_reason"].iloc[0])
        if (rejected["_row_number"] == 0).all():
            what = f"whole file quarantined: {first}"
        else:
            what = (
                f"{len(rejected)} of {len(rows)} rows quarantined (first: {first}); the other "
                "rows loaded. Fix those rows in the export and drop the corrected file"
            )
        lines.append(
            f"QUARANTINE {model}: {name}: {what} (every reason and raw row: "
            f"select _row_number, _reject_reason, _raw_record from {model} "
            "where _is_rejected)"
        )
    return lines


def bronze_model(dbt: Any, session: Any, source: str, settings: dict[str, Any]) -> pa.Table:
    landing_dir = config_value(settings, "landing_dir", "data/landing")
    loaded = existing_values(dbt, session, "_file_hash")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if source == "custom":  # bring your own data: columns named by a YAML mapping
        config = load_config(config_value(settings, "custom_source"))
        frame = read_custom(config, landing_dir, skip_file_hashes=loaded, ingested_at=now)
    else:
        frame = read_source(source, landing_dir, skip_file_hashes=loaded, ingested_at=now)
    # dbt runs Python models in-process on DuckDB: stdout reaches the build's console
    for line in quarantine_lines(frame, str(getattr(dbt, "this", None) or f"bronze_{source}")):
        print(line, file=sys.stdout, flush=True)
    return to_arrow(frame, bronze_schema(source))
