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
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_lakehouse.ingest.files import (
    decode_bytes,
    file_modified_at,
    header_delimiter,
    landing_root,
    long_field,
    unlimited_csv_fields,
    utc_naive,
)
from feedback_lakehouse.ingest.specs import SOURCES, SourceSpec

log = logging.getLogger(__name__)


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


def _parse_csv(spec: SourceSpec, rel: str, text: str) -> _Parsed:
    with unlimited_csv_fields():
        return _parse_csv_rows(spec, rel, text)


def _header_reject(spec: SourceSpec, rel: str, text: str, header: list[str] | None) -> _Parsed:
    """The whole file as one rejected row: its header is not the export contract's."""
    expected = spec.header
    if header is None:
        found = "an empty file"
    else:
        missing = [c for c in expected if c not in header]
        unexpected = [c for c in header if c not in expected]
        found = f"{header} (missing: {missing}, unexpected: {unexpected})"
    reason = (
        f"{rel}: header does not match the {spec.name} export contract; expected "
        f"{expected} but found {found}. Fix the export (or update SOURCES in "
        "feedback_lakehouse/ingest/specs.py if the contract changed) and drop the "
        "corrected file."
    )
    raw = text.split("\n", 1)[0].rstrip("\r") if header is not None else None
    return _Parsed([[None] * len(expected)], [0], {0: (reason, raw)})


def _add_raw_lines(parsed: _Parsed, text: str, spans: dict[int, tuple[int, int]]) -> None:
    """Each rejected row's raw record: the file's lines it spans (read only when needed)."""
    if not spans:
        return
    lines = io.StringIO(text, newline="").readlines()
    for position, (start, end) in spans.items():
        raw = "".join(lines[start:end])
        raw = raw[:-2] if raw.endswith("\r\n") else raw.rstrip("\r\n")
        parsed.rejects[position] = (parsed.rejects[position][0], raw)


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
        return _header_reject(spec, rel, text, header)
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
    _add_raw_lines(parsed, text, spans)
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


# ---------------------------------------------------------------------------- files
def _source_spec(source: str) -> SourceSpec:
    try:
        return SOURCES[source]
    except KeyError:
        raise ValueError(
            f"unknown landing source {source!r}; expected one of {sorted(SOURCES)}"
        ) from None


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
    root = landing_root(landing_dir)
    stamp = utc_naive(ingested_at)
    # Millions of short-lived lists and no cycles: pause the cyclic GC while parsing.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(spec, root, skip_file_hashes, stamp)
    finally:
        if gc_was_enabled:
            gc.enable()


def _parse_file(
    spec: SourceSpec, rel: str, path: Path, seen: set[str]
) -> tuple[_Parsed, str | None] | None:
    """(one file's bronze rows, its sha256); None when the same content was loaded."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = (
            f"could not be read ({exc.strerror or exc}); check that it is a readable file "
            "for the user running dbt, fix it and re-run (the other files were loaded)."
        )
        return _file_problem(spec, rel, reason), None
    digest = hashlib.sha256(data).hexdigest()
    if digest in seen:
        log.info("skipping %s: a file with the same content was already loaded", rel)
        return None
    seen.add(digest)
    text, encoding, problem = decode_bytes(data, spec.folder)
    if encoding not in (None, "utf-8"):
        log.warning("%s is not UTF-8: read as %s (detected)", rel, encoding)
    if text is None:
        return _file_problem(spec, rel, problem or "cannot be decoded"), digest
    if spec.fmt == "csv":
        return _parse_csv(spec, rel, text), digest
    return _parse_jsonl(spec, rel, text), digest


class _Bronze:
    """The bronze columns of one source, file after file."""

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.columns: list[list[str | None]] = [[] for _ in spec.fields]
        self.source_files: list[str] = []
        self.hashes: list[str | None] = []
        self.row_numbers: list[int] = []
        self.rejected: list[bool] = []
        self.reasons: list[str | None] = []
        self.raws: list[str | None] = []
        self.modified: list[datetime | None] = []

    def add(
        self, rel: str, digest: str | None, parsed: _Parsed, modified: datetime | None = None
    ) -> None:
        n = len(parsed.row_numbers)
        if n == 0:
            return
        for target, values in zip(self.columns, zip(*parsed.rows, strict=True), strict=True):
            target.extend(values)
        self.source_files.extend([rel] * n)
        self.hashes.extend([digest] * n)
        self.modified.extend([modified] * n)
        self.row_numbers.extend(parsed.row_numbers)
        flags = [False] * n
        file_reasons: list[str | None] = [None] * n
        file_raws: list[str | None] = [None] * n
        for position, (reason, raw) in parsed.rejects.items():
            flags[position] = True
            file_reasons[position] = reason
            file_raws[position] = raw
        self.rejected.extend(flags)
        self.reasons.extend(file_reasons)
        self.raws.extend(file_raws)
        if parsed.rejects:
            log.warning("%s: %d row(s) rejected", rel, len(parsed.rejects))

    def frame(self, stamp: datetime) -> pd.DataFrame:
        total = len(self.row_numbers)
        frame: dict[str, Any] = {}
        for field, values in zip(self.spec.fields, self.columns, strict=True):
            if self.spec.fmt == "csv":
                values = [value or None for value in values]
            frame[field.column] = pd.Series(values, dtype=object)
        frame["_source_file"] = pd.Series(self.source_files, dtype=object)
        frame["_file_hash"] = pd.Series(self.hashes, dtype=object)
        frame["_row_number"] = pd.Series(self.row_numbers, dtype="int64")
        frame["_ingested_at"] = pd.Series(
            np.full(total, np.datetime64(stamp, "us")), dtype="datetime64[us]"
        )
        frame["_is_rejected"] = pd.Series(self.rejected, dtype=bool)
        frame["_reject_reason"] = pd.Series(self.reasons, dtype=object)
        frame["_raw_record"] = pd.Series(self.raws, dtype=object)
        frame["_file_modified_at"] = pd.Series(
            pd.to_datetime(pd.Series(self.modified, dtype=object)), dtype="datetime64[us]"
        )
        return pd.DataFrame(frame)


def _read(
    spec: SourceSpec, root: Path, skip_file_hashes: Iterable[str], stamp: datetime
) -> pd.DataFrame:
    files = _source_files(spec, root)
    if files is None:
        _warn_absent_folders(root)
        files = []
    seen = set(skip_file_hashes)
    bronze = _Bronze(spec)
    for path in files:
        rel = path.relative_to(root).as_posix()
        read = _parse_file(spec, rel, path, seen)
        if read is not None:
            bronze.add(rel, read[1], read[0], file_modified_at(path))
    return bronze.frame(stamp)


# landing folders whose absent source folders were named in this process
_ABSENT_NAMED: set[Path] = set()
_ABSENT_LOCK = threading.Lock()


def _warn_absent_folders(root: Path) -> None:
    """One line per landing folder (and process) naming every shipped source whose folder
    is absent: each bronze model used to say it for its own source, seven lines on a
    custom-source build (issue 18's walk), and every one of them is optional."""
    with _ABSENT_LOCK:
        if root in _ABSENT_NAMED:
            return
        _ABSENT_NAMED.add(root)
    absent = [spec for spec in SOURCES.values() if not (root / spec.folder).is_dir()]
    log.warning(
        "landing folder %s has no subfolder for the optional sources %s: no rows from them "
        "this run",
        root,
        ", ".join(f"{spec.name} ({spec.folder}/)" for spec in absent),
    )


def landing_row_counts(landing_dir: str | Path) -> dict[str, int]:
    """Data rows per landing file, counted straight from disk, by relative posix path.

    CSV: records after the header (blank lines ignored; quoted newlines stay inside one
    record); JSON Lines: non-blank lines. Every counted row appears in `read_source()` as
    either a good or a rejected row, except that a file rejected as a whole (unreadable,
    not UTF-8, wrong header) gives one row with `_row_number` 0 instead, and a file whose
    content equals an earlier one is skipped. Unreadable files count 0.
    """
    root = landing_root(landing_dir)
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
