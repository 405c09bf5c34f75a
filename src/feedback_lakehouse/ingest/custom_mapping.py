"""The bring-your-own mapping: the YAML file the dbt var `custom_source` names, validated
by pydantic (`CustomSource`), and the load identity a file is read under.
See README "Bring your own data" and `examples/*/source.yml`."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

_NAME = re.compile(r"[a-z][a-z0-9_]*")
SENTIMENTS = ("positive", "neutral", "negative", "mixed")


class CustomSourceError(ValueError):
    """The custom source's YAML mapping is missing or invalid."""


# a column's header name, or several: the first one a file's header holds (a column
# renamed between exports, e.g. [Comment, Feedback]); product's list is joined instead
Names = str | list[str]
SINGLE_COLUMNS = (
    "id",
    "text",
    "title",
    "timestamp",
    "customer",
    "rating",
    "gold_category",
    "gold_sentiment",
    "split",
)


class ColumnMap(BaseModel):
    """Which CSV header names hold what. Only `text` is required."""

    model_config = ConfigDict(extra="forbid")

    id: Names | None = None  # none: "<file name without extension>-<row number>"
    text: Names
    title: Names | None = None
    timestamp: Names | None = None  # none: the load time stands in (see README)
    product: str | list[str] | None = None  # several columns are joined with "/"
    customer: Names | None = None
    rating: Names | None = None
    gold_category: Names | None = None
    gold_sentiment: Names | None = None
    split: Names | None = None  # a column holding train / test

    @field_validator(*SINGLE_COLUMNS)
    @classmethod
    def _alternatives(cls, value: Names | None) -> Names | None:
        if isinstance(value, list) and not value:
            raise ValueError("an empty list names no column; give a header name or leave it out")
        return value

    def resolve(self, header: list[str]) -> tuple[ColumnMap, list[str]]:
        """(the mapping with one header name per column for this file, the mapped names
        the header lacks: a name, or "one of [...]" for alternatives none of which is
        there), in the mapping's order (id, text, title, ..., product)."""
        chosen: dict[str, str] = {}
        missing: list[str] = []
        for field in SINGLE_COLUMNS:
            names = getattr(self, field)
            if isinstance(names, list):
                found = next((n for n in names if n in header), None)
                chosen[field] = names[0] if found is None else found
                if found is None:
                    missing.append(f"one of {names}")
            elif names is not None and names not in header:
                missing.append(names)
        missing += [n for n in self.product_columns() if n not in header]
        return self.model_copy(update=chosen), missing

    def product_columns(self) -> list[str]:
        if self.product is None:
            return []
        return [self.product] if isinstance(self.product, str) else list(self.product)


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
