"""The bronze reader: landing files to raw, validated rows (called by dbt Python models).

Each source in `SOURCES` is one folder of `landing_dir` holding files in the source's
native export shape (see docs/LANDING.md). `read_source()` turns every new file into
bronze rows: all data columns are kept as raw strings (no trimming, no date parsing), and
each row is validated just enough that later SQL casts are safe. A row that fails is kept
with `_is_rejected = True`, a `_reject_reason` naming file, row and problem, and its raw
text; good rows are never lost because of a bad one, and a file that cannot be read at
all becomes one rejected row while the other files still load.

Bytes that are not UTF-8 are decoded with the encoding charset-normalizer detects (the
file's good rows load; the encoding used is logged); a tab-, semicolon- or pipe-separated
export is read with the delimiter that yields the expected header; a field longer than
`FIELD_LIMIT` characters quarantines its row only.

Files are identified by the sha256 of their bytes: pass the hashes already loaded as
`skip_file_hashes` and re-running (or dropping the same file again under any name) adds
nothing. Parsing uses the csv/json modules and column lists, not per-row pandas work, so
a million rows load in seconds.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from charset_normalizer import from_bytes

log = logging.getLogger(__name__)

META_COLUMNS: tuple[str, ...] = (
    "_source_file",
    "_file_hash",
    "_row_number",
    "_ingested_at",
    "_is_rejected",
    "_reject_reason",
    "_raw_record",
)


class LandingError(FileNotFoundError):
    """The landing folder is missing: there is nothing to read."""


@dataclass(frozen=True)
class Validator:
    """A check on a non-blank raw value; `description` completes "<field> '<v>' is not ..."."""

    description: str
    check: Callable[[str], object]


@dataclass(frozen=True)
class FieldSpec:
    column: str  # bronze column name
    native: str  # CSV header name, or dotted path into the JSON object
    required: bool = False  # missing or blank => row rejected
    validator: Validator | None = None  # a non-blank value must pass, else row rejected
    as_json: bool = False  # JSON only: keep the value as compact JSON text (arrays)


@dataclass(frozen=True)
class SourceSpec:
    name: str
    folder: str
    pattern: str  # file-name glob inside the folder
    fmt: Literal["csv", "jsonl"]
    fields: tuple[FieldSpec, ...]

    @property
    def columns(self) -> list[str]:
        """Bronze data columns, in order (metadata columns follow them)."""
        return [f.column for f in self.fields]

    @property
    def header(self) -> list[str]:
        """The exact CSV header the native export has (CSV sources)."""
        return [f.native for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.column for f in self.fields if f.required]

    @property
    def validators(self) -> dict[str, Validator]:
        return {f.column: f.validator for f in self.fields if f.validator is not None}


def _digits(pattern: str) -> Callable[[str], object]:
    return re.compile(pattern).fullmatch


_SHOP_TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_ISO_Z_TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DMY_TS = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4}) ([0-9]{2}):([0-9]{2})")


def _is_shop_timestamp(value: str) -> bool:
    """`%Y-%m-%d %H:%M:%S`, two-digit fields, a real calendar date and time."""
    if _SHOP_TS.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_iso_z_timestamp(value: str) -> bool:
    """`%Y-%m-%dT%H:%M:%SZ` (UTC)."""
    if _ISO_Z_TS.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value[:-1])
    except ValueError:
        return False
    return True


def _is_iso_date(value: str) -> bool:
    """`%Y-%m-%d`."""
    if _ISO_DATE.fullmatch(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_dmy_timestamp(value: str) -> bool:
    """`%d/%m/%Y %H:%M` (day first)."""
    match = _DMY_TS.fullmatch(value)
    if match is None:
        return False
    day, month, year, hour, minute = (int(g) for g in match.groups())
    try:
        datetime(year, month, day, hour, minute)
    except ValueError:
        return False
    return True


RATING_1_5 = Validator("an integer 1-5", _digits(r"[1-5]"))
SCORE_0_10 = Validator("an integer 0-10", _digits(r"10|[0-9]"))
INTEGER_ID = Validator("an integer", _digits(r"[0-9]{1,18}"))
SHOP_TIMESTAMP = Validator("a timestamp in the format YYYY-MM-DD HH:MM:SS", _is_shop_timestamp)
ISO_Z_TIMESTAMP = Validator("a timestamp in the format YYYY-MM-DDTHH:MM:SSZ", _is_iso_z_timestamp)
ISO_DATE = Validator("a date in the format YYYY-MM-DD", _is_iso_date)
DMY_TIMESTAMP = Validator("a timestamp in the format DD/MM/YYYY HH:MM", _is_dmy_timestamp)
FEEDBACK_ID = Validator(
    "a feedback id like shop:R-1001 (the source: shop, helpdesk, appstore, survey or a custom "
    "source's name, a colon, the record id)",
    _digits(r"[a-z][a-z0-9_]*:\S+"),
)
SPLIT = Validator("one of train, test", _digits(r"train|test"))
CATEGORY_ID = Validator(
    "a category id (lower case letters, digits and _)", _digits(r"[a-z][a-z0-9_]*")
)
SENTIMENT = Validator(
    "one of positive, neutral, negative, mixed", _digits(r"positive|neutral|negative|mixed")
)
URGENCY = Validator("one of low, medium, high, critical", _digits(r"low|medium|high|critical"))
VERDICT = Validator("one of useful, incorrect", _digits(r"useful|incorrect"))

SOURCES: dict[str, SourceSpec] = {
    "shop": SourceSpec(
        name="shop",
        folder="shop",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("review_id", "Review ID", required=True),
            FieldSpec("product_sku", "Product SKU"),
            FieldSpec("rating", "Rating", required=True, validator=RATING_1_5),
            FieldSpec("review_title", "Review Title"),
            FieldSpec("review_body", "Review Body"),
            FieldSpec("created_at", "Created At", required=True, validator=SHOP_TIMESTAMP),
            FieldSpec("customer_id", "Customer ID"),
        ),
    ),
    "helpdesk": SourceSpec(
        name="helpdesk",
        folder="helpdesk",
        pattern="*.jsonl",
        fmt="jsonl",
        fields=(
            FieldSpec("ticket_id", "id", required=True, validator=INTEGER_ID),
            FieldSpec("subject", "subject"),
            FieldSpec("description", "description"),
            FieldSpec("created_at", "created_at", required=True, validator=ISO_Z_TIMESTAMP),
            FieldSpec("updated_at", "updated_at", required=True, validator=ISO_Z_TIMESTAMP),
            FieldSpec("status", "status"),
            FieldSpec("priority", "priority"),
            FieldSpec("requester_email", "requester.email"),
            FieldSpec("requester_name", "requester.name"),
            FieldSpec("tags", "tags", as_json=True),
            FieldSpec("channel", "via.channel"),
            FieldSpec("product_sku", "custom_fields.product_sku"),
            FieldSpec("order_number", "custom_fields.order_number"),
        ),
    ),
    "appstore": SourceSpec(
        name="appstore",
        folder="appstore",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("platform", "platform"),
            FieldSpec("app_version", "app_version"),
            FieldSpec("rating", "rating", required=True, validator=RATING_1_5),
            FieldSpec("review_text", "review_text"),
            FieldSpec("review_date", "review_date", required=True, validator=ISO_DATE),
            FieldSpec("country", "country"),
        ),
    ),
    "survey": SourceSpec(
        name="survey",
        folder="survey",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("response_id", "Response ID", required=True),
            FieldSpec("score", "Score", required=True, validator=SCORE_0_10),
            FieldSpec("comment", "Comment"),
            FieldSpec("submitted_at", "Submitted At", required=True, validator=DMY_TIMESTAMP),
            FieldSpec("customer_id", "Customer ID"),
        ),
    ),
    "crm": SourceSpec(
        name="crm",
        folder="crm",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("customer_id", "customer_id", required=True),
            FieldSpec("email", "email"),
            FieldSpec("tier", "tier"),
            FieldSpec("country", "country"),
            FieldSpec("signed_up_on", "signed_up_on", validator=ISO_DATE),
        ),
    ),
    # Human review decisions (`feedback review import` writes them; see README "From
    # insight to action"). A landing folder without reviews/ simply has no decisions.
    "reviews": SourceSpec(
        name="reviews",
        folder="reviews",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("feedback_id", "feedback_id", required=True, validator=FEEDBACK_ID),
            FieldSpec("reviewer", "reviewer", required=True),
            FieldSpec("decided_at", "decided_at", required=True, validator=ISO_Z_TIMESTAMP),
            FieldSpec("corrected_category", "corrected_category", validator=CATEGORY_ID),
            FieldSpec("corrected_sentiment", "corrected_sentiment", validator=SENTIMENT),
            FieldSpec("corrected_urgency", "corrected_urgency", validator=URGENCY),
            FieldSpec("verdict", "verdict", required=True, validator=VERDICT),
            FieldSpec("note", "note"),
        ),
    ),
    # Human gold labels for evaluation (README "Quality and evaluation"): a label scheme
    # other than the taxonomy's is mapped by the seed gold_label_mapping.
    "gold": SourceSpec(
        name="gold",
        folder="gold",
        pattern="*.csv",
        fmt="csv",
        fields=(
            FieldSpec("feedback_id", "feedback_id", required=True, validator=FEEDBACK_ID),
            FieldSpec("gold_category", "gold_category"),
            FieldSpec("gold_sentiment", "gold_sentiment", validator=SENTIMENT),
            FieldSpec("label_scheme", "label_scheme", required=True),
            FieldSpec("split", "split", validator=SPLIT),
            FieldSpec("labeller", "labeller"),
        ),
    ),
}


# ---------------------------------------------------------------------------- parsing
@dataclass
class _Parsed:
    """Bronze rows of one file: data rows (None-filled for rejects) plus row metadata."""

    rows: list[Sequence[str | None]]
    row_numbers: list[int]
    rejects: dict[int, tuple[str, str | None]]  # position in rows -> (reason, raw text)


def _show(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:60] + "...")


_Check = tuple[int, str, bool, Callable[[str], object] | None, str]


def _checks(spec: SourceSpec) -> list[_Check]:
    return [
        (
            i,
            f.native,
            f.required,
            f.validator.check if f.validator else None,
            f.validator.description if f.validator else "",
        )
        for i, f in enumerate(spec.fields)
        if f.required or f.validator is not None
    ]


def _problem(values: Sequence[str | None], checks: list[_Check]) -> str | None:
    """The first problem of a row (missing required value, invalid value), or None."""
    for index, native, required, check, description in checks:
        value = values[index]
        if not value or value.isspace():
            if required:
                return f"{native} is missing or blank"
        elif check is not None and not check(value):
            return f"{native} {_show(value)} is not {description}"
    return None


FIELD_LIMIT = 131_072  # characters: the csv module's default field limit
DELIMITERS = (",", "\t", ";", "|")


@contextmanager
def unlimited_csv_fields() -> Iterator[None]:
    """Let the csv module read any field length (rows with a field over `FIELD_LIMIT` are
    quarantined by the caller, one by one) instead of failing the rest of the file."""
    previous = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def first_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def header_delimiter(text: str, wanted: Sequence[str], exact: bool = True) -> str | None:
    """The delimiter (of `DELIMITERS`) that splits the file's first line into the `wanted`
    header names (exactly, or at least all of them); None when none does."""
    line = first_line(text)
    with unlimited_csv_fields():
        for delimiter in DELIMITERS:
            header = next(csv.reader([line], delimiter=delimiter), [])
            if header == list(wanted) if exact else all(c in header for c in wanted):
                return delimiter
    return None


def long_field(record: Sequence[str], names: Sequence[str]) -> str | None:
    """The problem of a row with a field over `FIELD_LIMIT` characters, or None."""
    if sum(map(len, record)) <= FIELD_LIMIT:
        return None
    for name, value in zip(names, record, strict=False):
        if len(value) > FIELD_LIMIT:
            return (
                f"{name} is {len(value):,} characters long, over the limit of {FIELD_LIMIT:,}; "
                "the row is quarantined (the rows after it load); shorten the field in the "
                "export if the row should load"
            )
    return None


def _parse_csv(spec: SourceSpec, rel: str, text: str) -> _Parsed:
    with unlimited_csv_fields():
        return _parse_csv_rows(spec, rel, text)


def _parse_csv_rows(spec: SourceSpec, rel: str, text: str) -> _Parsed:
    expected = spec.header
    width = len(expected)
    checks = _checks(spec)
    none_row: list[str | None] = [None] * width
    delimiter = header_delimiter(text, expected) or ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    parsed = _Parsed([], [], {})
    rows, numbers, rejects = parsed.rows, parsed.row_numbers, parsed.rejects
    header = next(reader, None)
    if header != expected:
        if header is None:
            found = "an empty file"
        else:
            missing = [c for c in expected if c not in header]
            unexpected = [c for c in header if c not in expected]
            found = f"{header} (missing: {missing}, unexpected: {unexpected})"
        reason = (
            f"{rel}: header does not match the {spec.name} export contract; expected "
            f"{expected} but found {found}. Fix the export (or update SOURCES in "
            "feedback_lakehouse/landing.py if the contract changed) and drop the corrected file."
        )
        raw = text.split("\n", 1)[0].rstrip("\r") if header is not None else None
        rows.append(none_row)
        numbers.append(0)
        rejects[0] = (reason, raw)
        return parsed
    spans: dict[int, tuple[int, int]] = {}
    row_number = 0
    previous_line = reader.line_num
    try:
        for record in reader:
            line = reader.line_num
            if not record:  # a blank line is not a row
                previous_line = line
                continue
            row_number += 1
            if len(record) != width:
                problem: str | None = (
                    f"expected {width} columns but found {len(record)} "
                    "(an unquoted comma or quote inside a text?)"
                )
            else:
                problem = long_field(record, expected) or _problem(record, checks)
            if problem is None:
                rows.append(record)
            else:
                rejects[len(rows)] = (f"{rel} row {row_number}: {problem}", None)
                spans[len(rows)] = (previous_line, line)
                rows.append(none_row)
            numbers.append(row_number)
            previous_line = line
    except csv.Error as exc:
        row_number += 1
        reason = (
            f"{rel} row {row_number}: the CSV cannot be parsed from here on ({exc}); the rows "
            "after it were not read. Fix the quoting in the export and drop the corrected file."
        )
        rejects[len(rows)] = (reason, None)
        spans[len(rows)] = (previous_line, previous_line + 1)
        rows.append(none_row)
        numbers.append(row_number)
    if spans:
        lines = io.StringIO(text, newline="").readlines()
        for position, (start, end) in spans.items():
            raw = "".join(lines[start:end])
            raw = raw[:-2] if raw.endswith("\r\n") else raw.rstrip("\r\n")
            rejects[position] = (rejects[position][0], raw)
    return parsed


def _json_value(value: Any, as_json: bool) -> str | None:
    if value is None:
        return None
    if as_json or isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_jsonl(spec: SourceSpec, rel: str, text: str) -> _Parsed:
    checks = _checks(spec)
    # (top-level key, nested keys, keep as JSON text) per bronze column.
    paths = []
    for f in spec.fields:
        first, *rest = f.native.split(".")
        paths.append((first, tuple(rest), f.as_json))
    none_row: list[str | None] = [None] * len(paths)
    parsed = _Parsed([], [], {})
    rows, numbers, rejects = parsed.rows, parsed.row_numbers, parsed.rejects
    loads = json.loads
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not line or line.isspace():
            continue
        if line.endswith("\r"):
            line = line[:-1]
        problem: str | None = None
        values: list[str | None] = none_row
        try:
            obj = loads(line)
        except ValueError as exc:
            message = getattr(exc, "msg", str(exc))
            column = getattr(exc, "colno", None)
            problem = f"invalid JSON ({message}" + (f" at column {column})" if column else ")")
        else:
            if type(obj) is not dict:
                problem = f"expected a JSON object but found {type(obj).__name__}"
            else:
                values = []
                append = values.append
                for first, rest, as_json in paths:
                    value = obj.get(first)
                    for key in rest:
                        value = value.get(key) if type(value) is dict else None
                    if value is None or (type(value) is str and not as_json):
                        append(value)
                    else:
                        append(_json_value(value, as_json))
                problem = _problem(values, checks)
        if problem is None:
            rows.append(values)
        else:
            rejects[len(rows)] = (f"{rel} row {line_number}: {problem}", line)
            rows.append(none_row)
        numbers.append(line_number)
    return parsed


def _file_problem(spec: SourceSpec, rel: str, problem: str) -> _Parsed:
    return _Parsed([[None] * len(spec.fields)], [0], {0: (f"{rel}: {problem}", None)})


_PREFERRED_8BIT = "cp1252"  # Excel's "CSV" on Western Windows: the usual non-UTF-8 export
_CHAOS_MARGIN = 0.05


def detect_encoding(data: bytes) -> str | None:
    """The encoding of non-UTF-8 bytes by charset-normalizer; None when nothing fits.

    On short texts several single-byte code pages decode equally well (and charset-
    normalizer may rank e.g. iso8859_10 first for French); Windows-1252 is preferred when
    it is within a small margin of the best guess's "chaos" (mess) ratio.
    """
    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    for match in matches:
        if _PREFERRED_8BIT in (match.encoding, *match.could_be_from_charset):
            if match.chaos <= best.chaos + _CHAOS_MARGIN:
                return _PREFERRED_8BIT
            break
    return best.encoding


def decode_bytes(
    data: bytes, folder: str, encoding: str | None = None
) -> tuple[str | None, str | None, str | None]:
    """(text, encoding used, None), or (None, None, problem) for bytes that are no text.

    `encoding` None: UTF-8 (a BOM is dropped), else the detected encoding (logged).
    """
    again = f"export it again as UTF-8 text and drop the new file into {folder}/"
    if encoding is not None:
        try:
            return data.decode(encoding), encoding, None
        except UnicodeDecodeError as exc:
            where = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
            problem = (
                f"is not valid {encoding} ({where}), the encoding the custom source mapping "
                "names; correct or remove the mapping's encoding (without it the encoding is "
                f"detected), or {again}"
            )
            return None, None, problem
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", None
    if b"\x00" in data[:65536]:
        return None, None, (f"looks like a binary file (it contains NUL bytes), not text; {again}")
    try:
        return data.decode("utf-8-sig"), "utf-8", None
    except UnicodeDecodeError as exc:
        detected = detect_encoding(data)
        if detected is None:
            return (
                None,
                None,
                (
                    f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}) "
                    f"and no other text encoding fits; {again} (e.g. Excel 'CSV UTF-8')"
                ),
            )
        return data.decode(detected, errors="replace"), detected, None


# ---------------------------------------------------------------------------- files
def _source_spec(source: str) -> SourceSpec:
    try:
        return SOURCES[source]
    except KeyError:
        raise ValueError(
            f"unknown landing source {source!r}; expected one of {sorted(SOURCES)}"
        ) from None


def _landing_root(landing_dir: str | Path) -> Path:
    root = Path(landing_dir)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        raise LandingError(
            f"Landing folder '{root}' {what}. Create sample data with "
            f"`feedback sample --out {root}`, or set the dbt var `landing_dir` to the folder "
            "that holds the exports (e.g. `--vars '{landing_dir: /path/to/landing}'`)."
        )
    return root


def _source_files(spec: SourceSpec, root: Path) -> list[Path] | None:
    """The source's files, sorted by name; None when the source folder is missing."""
    folder = root / spec.folder
    if not folder.is_dir():
        return None
    files = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue
        if fnmatchcase(path.name, spec.pattern):
            files.append(path)
        else:
            log.warning(
                "ignoring %s/%s: the %s reader only reads files named %s",
                spec.folder,
                path.name,
                spec.name,
                spec.pattern,
            )
    return files


def _utc_naive(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(timezone.utc).replace(tzinfo=None)
    if moment.tzinfo is not None:
        return moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def read_source(
    source: str,
    landing_dir: str | Path,
    skip_file_hashes: Iterable[str] = (),
    ingested_at: datetime | None = None,
) -> pd.DataFrame:
    """Bronze rows of every new file of `source` in `landing_dir/<folder>/`.

    Files whose sha256 is in `skip_file_hashes` (or equals an earlier file of this call)
    are skipped. Data columns are raw strings (object dtype; None for missing, and an
    empty CSV field is None), followed by the metadata columns in `META_COLUMNS`.
    Raises `LandingError` when `landing_dir` itself is missing.
    """
    spec = _source_spec(source)
    root = _landing_root(landing_dir)
    stamp = _utc_naive(ingested_at)
    # Millions of short-lived lists and no cycles: pause the cyclic GC while parsing.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(spec, root, skip_file_hashes, stamp)
    finally:
        if gc_was_enabled:
            gc.enable()


def _read(
    spec: SourceSpec, root: Path, skip_file_hashes: Iterable[str], stamp: datetime
) -> pd.DataFrame:
    files = _source_files(spec, root)
    if files is None:
        log.warning(
            "landing folder %s has no %s/ subfolder: no %s rows this run",
            root,
            spec.folder,
            spec.name,
        )
        files = []
    seen = set(skip_file_hashes)
    columns: list[list[str | None]] = [[] for _ in spec.fields]
    source_files: list[str] = []
    hashes: list[str | None] = []
    row_numbers: list[int] = []
    rejected: list[bool] = []
    reasons: list[str | None] = []
    raws: list[str | None] = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        digest: str | None = None
        try:
            data = path.read_bytes()
        except OSError as exc:
            parsed = _file_problem(
                spec,
                rel,
                f"could not be read ({exc.strerror or exc}); check that it is a readable file "
                "for the user running dbt, fix it and re-run (the other files were loaded).",
            )
        else:
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                log.info("skipping %s: a file with the same content was already loaded", rel)
                continue
            seen.add(digest)
            text, encoding, problem = decode_bytes(data, spec.folder)
            if encoding not in (None, "utf-8"):
                log.warning("%s is not UTF-8: read as %s (detected)", rel, encoding)
            if text is None:
                parsed = _file_problem(spec, rel, problem or "cannot be decoded")
            elif spec.fmt == "csv":
                parsed = _parse_csv(spec, rel, text)
            else:
                parsed = _parse_jsonl(spec, rel, text)
        n = len(parsed.row_numbers)
        if n == 0:
            continue
        for target, values in zip(columns, zip(*parsed.rows, strict=True), strict=True):
            target.extend(values)
        source_files.extend([rel] * n)
        hashes.extend([digest] * n)
        row_numbers.extend(parsed.row_numbers)
        flags = [False] * n
        file_reasons: list[str | None] = [None] * n
        file_raws: list[str | None] = [None] * n
        for position, (reason, raw) in parsed.rejects.items():
            flags[position] = True
            file_reasons[position] = reason
            file_raws[position] = raw
        rejected.extend(flags)
        reasons.extend(file_reasons)
        raws.extend(file_raws)
        if parsed.rejects:
            log.warning("%s: %d row(s) rejected", rel, len(parsed.rejects))
    total = len(row_numbers)
    frame: dict[str, Any] = {}
    for field, values in zip(spec.fields, columns, strict=True):
        if spec.fmt == "csv":
            values = [value or None for value in values]
        frame[field.column] = pd.Series(values, dtype=object)
    frame["_source_file"] = pd.Series(source_files, dtype=object)
    frame["_file_hash"] = pd.Series(hashes, dtype=object)
    frame["_row_number"] = pd.Series(row_numbers, dtype="int64")
    frame["_ingested_at"] = pd.Series(
        np.full(total, np.datetime64(stamp, "us")), dtype="datetime64[us]"
    )
    frame["_is_rejected"] = pd.Series(rejected, dtype=bool)
    frame["_reject_reason"] = pd.Series(reasons, dtype=object)
    frame["_raw_record"] = pd.Series(raws, dtype=object)
    return pd.DataFrame(frame)


def landing_row_counts(landing_dir: str | Path) -> dict[str, int]:
    """Data rows per landing file, counted straight from disk, by relative posix path.

    CSV: records after the header (blank lines ignored; quoted newlines stay inside one
    record); JSON Lines: non-blank lines. Every counted row appears in `read_source()` as
    either a good or a rejected row, except that a file rejected as a whole (unreadable,
    not UTF-8, wrong header) gives one row with `_row_number` 0 instead, and a file whose
    content equals an earlier one is skipped. Unreadable files count 0.
    """
    root = _landing_root(landing_dir)
    counts: dict[str, int] = {}
    for spec in SOURCES.values():
        for path in _source_files(spec, root) or []:
            rel = path.relative_to(root).as_posix()
            try:
                text = path.read_bytes().decode("utf-8-sig", errors="replace")
            except OSError as exc:
                log.warning("cannot count rows of %s: %s", rel, exc)
                counts[rel] = 0
                continue
            if spec.fmt == "jsonl":
                counts[rel] = sum(1 for line in text.split("\n") if line and not line.isspace())
                continue
            delimiter = header_delimiter(text, spec.header) or ","
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            n = 0
            with unlimited_csv_fields():
                try:
                    for record in reader:
                        if record:
                            n += 1
                except csv.Error:
                    n += 1
            counts[rel] = max(0, n - 1)
    return dict(sorted(counts.items()))
