"""The bronze models' logic: append only the rows of landing files not loaded before."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pyarrow as pa

from .custom_source import CUSTOM_COLUMNS, load_config, read_custom
from .dbt_glue import config_value, existing_values, to_arrow
from .landing import SOURCES, read_source

METADATA_FIELDS = [
    pa.field("_source_file", pa.string()),
    pa.field("_file_hash", pa.string()),
    pa.field("_row_number", pa.int64()),
    pa.field("_ingested_at", pa.timestamp("us")),
    pa.field("_is_rejected", pa.bool_()),
    pa.field("_reject_reason", pa.string()),
    pa.field("_raw_record", pa.string()),
]


def bronze_schema(source: str) -> pa.Schema:
    """Every data column is a raw string; staging casts them."""
    columns = list(CUSTOM_COLUMNS) if source == "custom" else SOURCES[source].columns
    return pa.schema([pa.field(c, pa.string()) for c in columns] + METADATA_FIELDS)


def bronze_model(dbt: Any, session: Any, source: str, settings: dict[str, Any]) -> pa.Table:
    landing_dir = config_value(settings, "landing_dir", "data/landing")
    loaded = existing_values(dbt, session, "_file_hash")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if source == "custom":  # bring your own data: columns named by a YAML mapping
        config = load_config(config_value(settings, "custom_source"))
        frame = read_custom(config, landing_dir, skip_file_hashes=loaded, ingested_at=now)
    else:
        frame = read_source(source, landing_dir, skip_file_hashes=loaded, ingested_at=now)
    return to_arrow(frame, bronze_schema(source))
