"""The package's Python functions as DuckDB SQL functions (a dbt-duckdb plugin).

profiles/profiles.yml loads this module as a plugin of the `local` target, so every
connection dbt opens has `feedback_mask_pii(text)`: the macro `mask_pii` calls it, and
`int_feedback__cleaned.masked_text` is masked by the same code (`feedback_lakehouse.text.pii`)
as the text an LLM provider sends. Vectorised (Arrow batches of ~2,000 rows); a text seen
before in the process is not masked twice (templated feedback repeats a lot).
"""

from __future__ import annotations

import functools
from typing import Any

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin

from feedback_lakehouse.text.pii import mask_pii

MASK_PII_FUNCTION = "feedback_mask_pii"


@functools.lru_cache(maxsize=100_000)
def _mask_cached(text: str) -> str:
    return mask_pii(text) or text


def mask_arrow(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`mask_pii` over an Arrow array of strings (nulls stay null)."""
    return pa.array(
        [None if text is None else _mask_cached(text) for text in texts.to_pylist()],
        type=pa.string(),
    )


def register(conn: Any) -> None:
    """Add `feedback_mask_pii(varchar) -> varchar` to a DuckDB connection."""
    conn.create_function(
        MASK_PII_FUNCTION,
        mask_arrow,
        ["VARCHAR"],
        "VARCHAR",
        type="arrow",
        null_handling="special",
        side_effects=False,
    )


class Plugin(BasePlugin):
    """dbt-duckdb calls `configure_connection` on every connection it opens."""

    def configure_connection(self, conn: Any) -> None:
        register(conn)
