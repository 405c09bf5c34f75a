"""The dbt model of each distinct text's language (`int_texts__languages`).

Apart from `enrichment.dbt_entry` so that the model imports only what it uses: in a
daily run it starts beside the enrichment, and importing scikit-learn (the self-training)
held it up by about a second.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from feedback_lakehouse.dbt_glue import (
    config_value,
    existing_values,
    is_duckdb_relation,
    new_cleaned_texts,
    to_arrow,
)
from feedback_lakehouse.enrichment.parallel import (
    DEFAULT_MIN_ITEMS,
    map_chunks,
    resolve_workers,
    warm_up,
)
from feedback_lakehouse.progress import Progress
from feedback_lakehouse.text.language import detect_languages

LANGUAGE_SCHEMA = pa.schema([pa.field("text_hash", pa.string()), pa.field("language", pa.string())])


def language_model(
    dbt: Any, session: Any, cleaned: Any, settings: dict[str, Any] | None = None
) -> pa.Table:
    """Detect the language of each distinct text (of `int_feedback__cleaned`) not seen before.

    `settings["parallel_workers"]`: processes the detection is spread over (auto = cores).
    """
    workers = resolve_workers(config_value(settings or {}, "parallel_workers"))
    if not dbt.is_incremental:  # a first build has every text: start the worker server
        warm_up(workers)  # while the texts are read (incremental runs rarely need it)
    # on DuckDB the stored texts were left out in SQL (`new_cleaned_texts`); else here
    pushed_down = dbt.is_incremental and is_duckdb_relation(cleaned)
    texts = new_cleaned_texts(dbt, cleaned)
    done = set() if pushed_down else existing_values(dbt, session, "text_hash")
    if done:
        texts = texts[~texts["text_hash"].isin(done)]
    with Progress(len(texts), label="languages", unit="texts", statuses=False) as progress:

        def detect(func: Any, items: list[str]) -> list[Any]:
            # the texts too short to tell are not detected: count only the candidates
            progress.total = len(items)
            # lingua loads its models in each worker (~1 s): worth it from
            # DEFAULT_MIN_ITEMS texts even when the worker server already runs
            return map_chunks(
                func,
                items,
                workers,
                DEFAULT_MIN_ITEMS,
                on_chunk=lambda part: progress.advance(n=len(part)),
            )

        languages = detect_languages(texts["masked_text"].tolist(), detect)
        if progress.done == 0:
            progress.total = 0  # nothing long enough to detect
    frame = pd.DataFrame({"text_hash": texts["text_hash"].tolist(), "language": languages})
    from feedback_lakehouse.enrichment.spark import is_spark_session, to_spark

    if is_spark_session(session):  # Databricks: dbt writes a Spark DataFrame
        return to_spark(session, frame, LANGUAGE_SCHEMA)
    return to_arrow(frame, LANGUAGE_SCHEMA)
