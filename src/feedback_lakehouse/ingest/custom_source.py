"""Bring your own data: a generic `custom` landing source described by a YAML mapping.

A user with their own CSV export writes a small YAML file naming which of their columns
is the id, the text, the timestamp, the product, the rating (and, for evaluation, a gold
category or a rule deriving gold sentiment from the rating), and points the dbt var
`custom_source` at it. No code changes: the bronze model `bronze_custom__feedback` reads
the files with this module, `stg_custom__feedback` casts them, and the canonical union
includes them. See README "Bring your own data" and `examples/*/source.yml`.

Bronze rules are the same as for the built-in sources: every value is kept as a raw
string, a bad row is kept as a rejected row naming file, row and problem, and a file that
cannot be used at all becomes one rejected row while the other files still load.

A file is read once per *load identity*: the sha256 of its bytes together with the
mapping it was read with (`load_identity`). The same bytes under any name add nothing;
correcting the mapping (say, the delimiter of a file quarantined whole) reads the files
again. The delimiter and the encoding are detected when the mapping names none, and
timestamps are parsed per row here (`created_at_utc`, UTC), so one odd date quarantines
its row, never the build.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import yaml
from dateutil import parser as date_parser
from pandas.tseries.api import guess_datetime_format
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from feedback_lakehouse.ingest.files import (
    DELIMITERS,
    decode_bytes,
    first_line,
    header_delimiter,
    landing_root,
    long_field,
    unlimited_csv_fields,
    utc_naive,
)
from feedback_lakehouse.ingest.specs import META_COLUMNS

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
    # the timestamp parsed per row and converted to UTC ("YYYY-MM-DD HH:MM:SS[.ffffff]")
    "created_at_utc",
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
    timestamp: str | None = None  # none: the load time stands in (see README)
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
    delimiter: str | None = None  # none: detected (comma, tab, semicolon or pipe)
    encoding: str | None = None  # none: UTF-8, else detected (charset-normalizer)
    columns: ColumnMap
    timestamp_format: str | None = None  # strftime, e.g. "%d-%b-%y"; none: detected per value
    dayfirst: bool = False  # detection only: 05/06/2018 is 5 June (default: May 6)
    timezone: str = "UTC"  # zone of timestamps without an offset
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

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str | None) -> str | None:
        if value is not None:
            value = {"tab": "\t", "\\t": "\t"}.get(value, value)
            if len(value) != 1:
                raise ValueError(
                    f"delimiter {value!r} must be one character, e.g. ',', ';', '|' or tab; "
                    "leave it out to detect it"
                )
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(
                    f"encoding {value!r} is unknown; use a Python codec name such as utf-8, "
                    "cp1252, latin-1, or leave it out to detect it"
                ) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"timezone {value!r} is not an IANA zone such as UTC or Europe/Paris"
            ) from None
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


def load_identity(config: CustomSource, content_hash: str) -> str:
    """What a custom file's load is known by (`_file_hash`): its bytes' sha256 and the
    mapping it was read with (which names the delimiter, encoding and timestamp format, or
    leaves them to detection). A corrected mapping reads the files again; the same bytes
    under an unchanged mapping, under any file name, are not read twice."""
    mapping = json.dumps(config.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(f"{content_hash}\n{mapping}".encode()).hexdigest()


class TimestampParser:
    """Per-value timestamps to UTC text: the mapping's `timestamp_format`, else ISO 8601,
    else a format pandas guesses from the value (remembered for the next values), else
    python-dateutil's parser (e.g. `31-Jul-18`). Values without an offset are in `zone`."""

    def __init__(self, fmt: str | None, dayfirst: bool, zone: str) -> None:
        self.fmt = fmt
        self.dayfirst = dayfirst
        self.zone = ZoneInfo(zone)
        self.formats: list[str] = []

    @property
    def expected(self) -> str:
        if self.fmt:
            return f"a timestamp in the mapping's timestamp_format {self.fmt!r}"
        return (
            "a date or timestamp (ISO 8601 such as 2018-07-31 10:00:00-08:00, or a common "
            "format such as 31-Jul-18); if the file uses one format, set timestamp_format "
            "in the mapping (e.g. '%d-%b-%y')"
        )

    def _detect(self, value: str) -> datetime:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
        for fmt in self.formats:
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                continue
        guess = guess_datetime_format(value, dayfirst=self.dayfirst)
        if guess:
            try:
                moment = datetime.strptime(value, guess)
            except ValueError:
                pass
            else:
                self.formats.append(guess)
                return moment
        if not any(c.isdigit() for c in value) or value.isdigit():
            raise ValueError(value)  # words only, or a bare number: not a date
        return date_parser.parse(value, dayfirst=self.dayfirst, default=datetime(2000, 1, 1))

    def parse(self, value: str) -> str:
        """UTC text; raises ValueError when the value is no timestamp."""
        value = value.strip()
        try:
            moment = datetime.strptime(value, self.fmt) if self.fmt else self._detect(value)
        except (ValueError, OverflowError) as exc:
            raise ValueError(value) from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


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


def _raw_row(values: Iterable[str | None], delimiter: str) -> str:
    """A row written back as one line of the file's dialect (the raw record of a reject)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(
        ["" if v is None else v for v in values]
    )
    return out.getvalue()


def _delimiter_of(config: CustomSource, text: str) -> str:
    """The mapping's delimiter; else the one whose header holds the mapped columns; else
    the one csv.Sniffer finds in the first lines; else a comma."""
    if config.delimiter is not None:
        return config.delimiter
    found = header_delimiter(text, config.columns.required_headers(), exact=False)
    if found is not None:
        return found
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


def read_custom(
    config: CustomSource | None,
    landing_dir: str | Path,
    skip_file_hashes: Iterable[str] = (),
    ingested_at: datetime | None = None,
) -> pd.DataFrame:
    """Bronze rows of every new file of the custom source (empty when not configured).

    `skip_file_hashes` holds load identities (`load_identity`) already loaded."""
    if config is None:
        return empty_frame()
    root = landing_root(landing_dir)
    folder = root / config.folder
    if not folder.is_dir():
        log.warning("custom source %s: no folder %s, no rows this run", config.name, folder)
        return empty_frame()
    stamp = utc_naive(ingested_at)
    seen = set(skip_file_hashes)
    rows: list[dict[str, Any]] = []
    with unlimited_csv_fields():
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if (
                not path.is_file()
                or path.name.startswith(".")
                or not fnmatchcase(path.name, config.pattern)
            ):
                continue
            data = path.read_bytes()
            identity = load_identity(config, hashlib.sha256(data).hexdigest())
            if identity in seen:
                continue
            seen.add(identity)
            rel = path.relative_to(root).as_posix()
            base = {"_source_file": rel, "_file_hash": identity, "_ingested_at": stamp}
            rows.extend(_read_file(config, path, rel, data, base))
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


def _read_file(
    config: CustomSource, path: Path, rel: str, data: bytes, base: dict[str, Any]
) -> list[dict[str, Any]]:
    """The bronze rows of one file (good and rejected)."""
    rows: list[dict[str, Any]] = []
    cols = config.columns
    low, high = config.rating_scale

    def reject(row_number: int, reason: str, raw: str | None) -> None:
        rows.append(
            {
                **base,
                "_row_number": row_number,
                "_is_rejected": True,
                "_reject_reason": reason,
                "_raw_record": raw,
            }
        )

    text, encoding, problem = decode_bytes(data, config.folder, config.encoding)
    if text is None:
        reject(0, f"{rel}: {problem}", None)
        return rows
    if config.encoding is None and encoding not in ("utf-8", None):
        log.warning("%s is not UTF-8: read as %s (detected)", rel, encoding)
    delimiter = _delimiter_of(config, text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None) or []
    except csv.Error as exc:
        reject(0, f"{rel}: the header line cannot be parsed ({exc})", first_line(text))
        return rows
    missing = [c for c in cols.required_headers() if c not in header]
    if missing:
        how = "given by the mapping" if config.delimiter is not None else "detected"
        reject(
            0,
            f"{rel}: columns {missing} named in the custom source mapping are not in the "
            f"file's header {header} (read with delimiter {delimiter!r}, {how}, and encoding "
            f"{encoding}); fix the mapping (dbt var custom_source: columns, delimiter, "
            "encoding) or the export. Correcting the mapping reads this file again.",
            first_line(text),
        )
        return rows
    position = {name: i for i, name in enumerate(header)}  # a repeated name: the last
    width = len(header)
    split = config.split_of(path.name)
    stem = path.stem
    stamps = TimestampParser(config.timestamp_format, config.dayfirst, config.timezone)
    number = 0
    try:
        for values in reader:
            if not values:  # a blank line is not a row
                continue
            number += 1
            problem = None
            if len(values) != width:
                problem = f"expected {width} columns but found {len(values)}"
            else:
                problem = long_field(values, header)
            if problem is not None:
                reject(number, f"{rel} row {number}: {problem}", _raw_row(values, delimiter))
                continue
            record = {name: values[i] for name, i in position.items()}
            record_id = record[cols.id].strip() if cols.id is not None else f"{stem}-{number}"
            if not record_id:
                reject(
                    number,
                    f"{rel} row {number}: {cols.id} (the id) is blank",
                    _raw_row(values, delimiter),
                )
                continue
            rating_raw = record[cols.rating].strip() if cols.rating else ""
            rating = _number(rating_raw)
            if rating_raw and (rating is None or not low <= rating <= high):
                reject(
                    number,
                    f"{rel} row {number}: {cols.rating} {rating_raw!r} is not a number "
                    f"between {low:g} and {high:g}",
                    _raw_row(values, delimiter),
                )
                continue
            created_at = record[cols.timestamp] if cols.timestamp else None
            created_at_utc = None
            if created_at and not created_at.isspace():
                try:
                    created_at_utc = stamps.parse(created_at)
                except ValueError:
                    reject(
                        number,
                        f"{rel} row {number}: {cols.timestamp} {created_at!r} is not "
                        f"{stamps.expected}",
                        _raw_row(values, delimiter),
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
                    "created_at": created_at,
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
                    "created_at_utc": created_at_utc,
                    **base,
                    "_row_number": number,
                    "_is_rejected": False,
                    "_reject_reason": None,
                    "_raw_record": None,
                }
            )
    except csv.Error as exc:
        number += 1
        reject(
            number,
            f"{rel} row {number}: the CSV cannot be parsed from here on ({exc}); the rows "
            "after it were not read. Fix the quoting in the export and drop the corrected file.",
            None,
        )
    return rows
