"""Reading landing files, shared by the fixed sources and the custom one: the landing
root, byte decoding (charset-normalizer), CSV delimiters and long fields, UTC stamps."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from charset_normalizer import from_bytes

from feedback_lakehouse.ingest.specs import LandingError

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


def landing_root(landing_dir: str | Path) -> Path:
    root = Path(landing_dir)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        raise LandingError(
            f"Landing folder '{root}' {what}. Create sample data with "
            f"`feedback sample --out {root}`, or set the dbt var `landing_dir` to the folder "
            "that holds the exports (e.g. `--vars '{landing_dir: /path/to/landing}'`)."
        )
    return root


def utc_naive(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(timezone.utc).replace(tzinfo=None)
    if moment.tzinfo is not None:
        return moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def file_modified_at(path: Path) -> datetime | None:
    """A landing file's modification time as naive UTC (its arrival); None if unknown."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(tzinfo=None)
    except OSError:
        return None
