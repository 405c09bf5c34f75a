"""Bring your own data: a generic `custom` landing source described by a YAML mapping.

A user with their own CSV export writes a small YAML file naming which of their columns
is the id, the text, the timestamp, the product, the rating (and, for evaluation, a gold
category or a rule deriving gold sentiment from the rating), and points the dbt var
`custom_source` at it. No code changes: the bronze model `bronze_custom__feedback` reads
the files with this module, `stg_custom__feedback` casts them, and the canonical union
includes them. See README "Bring your own data" and `examples/*/source.yml`.

Bronze rules are the same as for the built-in sources: every value is kept as a raw
string, each file is read once (sha256 of its bytes), a bad row is kept as a rejected
row naming file, row and problem, and a file that cannot be used at all becomes one
rejected row while the other files still load.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections.abc import Iterable
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .landing import META_COLUMNS, _decode, _landing_root, _utc_naive

log = logging.getLogger(__name__)

# bronze data columns of the custom source, whatever the user's column names are
CUSTOM_COLUMNS: tuple[str, ...] = (
    "record_id",
    "title",
    "body",
    "created_at",
    "product",
    "customer_id",
    "rating",
    "gold_category",
    "gold_sentiment",
    "split",
    # how the row was read: the mapping's source name, channel, rating scale, label scheme
    "source_name",
    "channel",
    "rating_min",
    "rating_max",
    "gold_label_scheme",
)

_NAME = re.compile(r"[a-z][a-z0-9_]*")
SENTIMENTS = ("positive", "neutral", "negative", "mixed")


class CustomSourceError(ValueError):
    """The custom source's YAML mapping is missing or invalid."""


class ColumnMap(BaseModel):
    """Which CSV header names hold what. Only `text` is required."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None  # none: "<file name without extension>-<row number>"
    text: str
    title: str | None = None
    timestamp: str | None = None  # ISO 8601; none: the load time stands in (see README)
    product: str | list[str] | None = None  # several columns are joined with "/"
    customer: str | None = None
    rating: str | None = None
    gold_category: str | None = None
    gold_sentiment: str | None = None
    split: str | None = None  # a column holding train / test

    def product_columns(self) -> list[str]:
        if self.product is None:
            return []
        return [self.product] if isinstance(self.product, str) else list(self.product)

    def required_headers(self) -> list[str]:
        names = [
            self.id,
            self.text,
            self.title,
            self.timestamp,
            self.customer,
            self.rating,
            self.gold_category,
            self.gold_sentiment,
            self.split,
            *self.product_columns(),
        ]
        found = [n for n in names if n]
        if self.id == "":  # an unnamed id column (e.g. a pandas index written to CSV)
            found.insert(0, "")
        return found


class CustomSource(BaseModel):
    """The YAML mapping of a custom CSV source (see `examples/*/source.yml`)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="source name; feedback ids are '<name>:<id>'")
    folder: str = "custom"
    pattern: str = "*.csv"
    channel: str = "custom"
    delimiter: str = ","
    columns: ColumnMap
    rating_scale: tuple[float, float] = (1, 5)
    # gold sentiment from the rating, e.g. {negative: [1, 2], neutral: [3], positive: [4, 5]}
    sentiment_from_rating: dict[str, list[float]] | None = None
    gold_label_scheme: str | None = None  # the scheme gold_category is in (default: name)
    split_default: str = "test"  # gold labels' split when no column or file rule says
    split_by_file: dict[str, str] = Field(default_factory=dict)  # {"train*.csv": train}

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip().lower()
        if not _NAME.fullmatch(value):
            raise ValueError("name must be lower case letters, digits and _ (it prefixes ids)")
        if value in ("shop", "helpdesk", "appstore", "survey"):
            raise ValueError(f"name '{value}' is a built-in source; choose another")
        return value

    @field_validator("sentiment_from_rating")
    @classmethod
    def _sentiments(cls, value: dict[str, list[float]] | None) -> dict[str, list[float]] | None:
        if value is not None:
            bad = sorted(set(value) - set(SENTIMENTS))
            if bad:
                raise ValueError(f"sentiment_from_rating keys {bad} are not in {SENTIMENTS}")
        return value

    def split_of(self, file_name: str) -> str:
        for pattern, split in self.split_by_file.items():
            if fnmatchcase(file_name, pattern):
                return split
        return self.split_default

    def sentiment_of(self, rating: float | None) -> str | None:
        if rating is None or not self.sentiment_from_rating:
            return None
        for label, values in self.sentiment_from_rating.items():
            if any(abs(rating - float(v)) < 1e-9 for v in values):
                return label
        return None


def load_config(path: str | Path | None) -> CustomSource | None:
    """The mapping at `path` (the dbt var `custom_source`); None when it is not set."""
    if path is None or str(path).strip() in ("", "None", "none", "null"):
        return None
    path = Path(str(path))
    if not path.is_file():
        raise CustomSourceError(
            f"custom source mapping '{path}' not found: set the dbt var custom_source to a "
            "YAML file (see README 'Bring your own data' and examples/*/source.yml)"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return CustomSource.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise CustomSourceError(f"custom source mapping '{path}' is invalid: {exc}") from exc


def empty_frame() -> pd.DataFrame:
    frame = {c: pd.Series([], dtype=object) for c in CUSTOM_COLUMNS}
    frame.update(
        {
            "_source_file": pd.Series([], dtype=object),
            "_file_hash": pd.Series([], dtype=object),
            "_row_number": pd.Series([], dtype="int64"),
            "_ingested_at": pd.Series([], dtype="datetime64[us]"),
            "_is_rejected": pd.Series([], dtype=bool),
            "_reject_reason": pd.Series([], dtype=object),
            "_raw_record": pd.Series([], dtype=object),
        }
    )
    return pd.DataFrame(frame)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def read_custom(
    config: CustomSource | None,
    landing_dir: str | Path,
    skip_file_hashes: Iterable[str] = (),
    ingested_at: datetime | None = None,
) -> pd.DataFrame:
    """Bronze rows of every new file of the custom source (empty when not configured)."""
    if config is None:
        return empty_frame()
    root = _landing_root(landing_dir)
    folder = root / config.folder
    if not folder.is_dir():
        log.warning("custom source %s: no folder %s, no rows this run", config.name, folder)
        return empty_frame()
    stamp = _utc_naive(ingested_at)
    seen = set(skip_file_hashes)
    cols = config.columns
    low, high = config.rating_scale
    rows: list[dict[str, Any]] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if (
            not path.is_file()
            or path.name.startswith(".")
            or not fnmatchcase(path.name, config.pattern)
        ):
            continue
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        base = {"_source_file": rel, "_file_hash": digest, "_ingested_at": stamp}

        def reject(row_number: int, reason: str, raw: str | None, base=base) -> None:
            rows.append(
                {
                    **base,
                    "_row_number": row_number,
                    "_is_rejected": True,
                    "_reject_reason": reason,
                    "_raw_record": raw,
                }
            )

        text, problem = _decode(data, config.folder)
        if text is None:
            reject(0, f"{rel}: {problem}", None)
            continue
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=config.delimiter)
        header = reader.fieldnames or []
        missing = [c for c in cols.required_headers() if c not in header]
        if missing:
            reject(
                0,
                f"{rel}: columns {missing} named in the custom source mapping are not in the "
                f"file's header {header}; fix the mapping (dbt var custom_source) or the export",
                text.split("\n", 1)[0],
            )
            continue
        split = config.split_of(path.name)
        stem = path.stem
        for number, record in enumerate(reader, start=1):
            if None in record or any(v is None for v in record.values()):
                reject(number, f"{rel} row {number}: wrong number of columns", None)
                continue
            record_id = record[cols.id].strip() if cols.id is not None else f"{stem}-{number}"
            if not record_id:
                reject(number, f"{rel} row {number}: {cols.id} (the id) is blank", None)
                continue
            rating_raw = record[cols.rating].strip() if cols.rating else ""
            rating = _number(rating_raw)
            if rating_raw and (rating is None or not low <= rating <= high):
                reject(
                    number,
                    f"{rel} row {number}: {cols.rating} {rating_raw!r} is not a number "
                    f"between {low:g} and {high:g}",
                    None,
                )
                continue
            products = [record[c].strip() for c in cols.product_columns() if record[c].strip()]
            gold_sentiment = ""
            if cols.gold_sentiment:
                gold_sentiment = record[cols.gold_sentiment].strip().lower()
            if not gold_sentiment:
                gold_sentiment = config.sentiment_of(rating) or ""
            rows.append(
                {
                    "record_id": record_id,
                    "title": record[cols.title] if cols.title else None,
                    "body": record[cols.text],
                    "created_at": record[cols.timestamp] if cols.timestamp else None,
                    "product": "/".join(products) or None,
                    "customer_id": record[cols.customer] if cols.customer else None,
                    "rating": rating_raw or None,
                    "gold_category": (record[cols.gold_category].strip() or None)
                    if cols.gold_category
                    else None,
                    "gold_sentiment": gold_sentiment or None,
                    "split": (record[cols.split].strip().lower() or split) if cols.split else split,
                    "source_name": config.name,
                    "channel": config.channel,
                    "rating_min": f"{low:g}",
                    "rating_max": f"{high:g}",
                    "gold_label_scheme": config.gold_label_scheme or config.name,
                    **base,
                    "_row_number": number,
                    "_is_rejected": False,
                    "_reject_reason": None,
                    "_raw_record": None,
                }
            )
    if not rows:
        return empty_frame()
    frame = pd.DataFrame(rows)
    for column in (*CUSTOM_COLUMNS, *META_COLUMNS):
        if column not in frame.columns:
            frame[column] = None
    frame["_row_number"] = frame["_row_number"].astype("int64")
    frame["_is_rejected"] = frame["_is_rejected"].astype(bool)
    frame["_ingested_at"] = pd.Series(
        np.full(len(frame), np.datetime64(stamp, "us")), dtype="datetime64[us]"
    )
    return frame[[*CUSTOM_COLUMNS, *META_COLUMNS]]
