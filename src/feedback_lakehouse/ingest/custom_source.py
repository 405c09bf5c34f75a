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

import csv
import hashlib
import io
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_lakehouse.ingest.custom_mapping import (
    ColumnMap,
    CustomSource,
    CustomSourceError,
    load_config,
    load_identity,
)
from feedback_lakehouse.ingest.custom_warnings import (
    warn_day_month_swaps,
    warn_markup,
    warn_rating_text,
    warn_skipped_files,
    warn_unmapped_ratings,
)
from feedback_lakehouse.ingest.files import (
    DELIMITERS,
    decode_bytes,
    file_modified_at,
    first_line,
    landing_root,
    long_field,
    unlimited_csv_fields,
    utc_naive,
)
from feedback_lakehouse.ingest.json_export import BadJsonLine, json_table
from feedback_lakehouse.ingest.ratings import plain_number, rating_of
from feedback_lakehouse.ingest.specs import META_COLUMNS
from feedback_lakehouse.ingest.text_markup import has_markup, plain_text
from feedback_lakehouse.ingest.timestamps import TimestampParser

log = logging.getLogger(__name__)

__all__ = [
    "CUSTOM_COLUMNS",
    "SUPERSEDED",
    "CustomSource",
    "CustomSourceError",
    "load_config",
    "load_identity",
    "read_custom",
]

# in the reason of a row quarantined because a later file of the same build has its id
SUPERSEDED = ": superseded: id "

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
            "_file_modified_at": pd.Series([], dtype="datetime64[us]"),
        }
    )
    return pd.DataFrame(frame)


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
    line = first_line(text)
    for delimiter in DELIMITERS:
        header = next(csv.reader([line], delimiter=delimiter), [])
        if not config.columns.resolve(header)[1]:
            return delimiter
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
    skipped: list[str] = []  # files of the folder the pattern does not match
    with unlimited_csv_fields():
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if not path.is_file() or path.name.startswith((".", "~$")):  # ~$: an Excel lock
                continue
            if not fnmatchcase(path.name.lower(), config.pattern.lower()):
                skipped.append(path.name)
                continue
            data = path.read_bytes()
            identity = load_identity(config, hashlib.sha256(data).hexdigest())
            if identity in seen:
                continue
            seen.add(identity)
            rel = path.relative_to(root).as_posix()
            base = {
                "_source_file": rel,
                "_file_hash": identity,
                "_ingested_at": stamp,
                "_file_modified_at": file_modified_at(path),
            }
            rows.extend(_read_file(config, path, rel, data, base))
    warn_skipped_files(config, skipped)
    _supersede_repeats_across_files(config, rows)
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
    frame["_file_modified_at"] = pd.to_datetime(frame["_file_modified_at"]).astype("datetime64[us]")
    return frame[[*CUSTOM_COLUMNS, *META_COLUMNS]]


# the first line of an export meant for Excel, naming its delimiter ("sep=;")
_EXCEL_SEP = re.compile(r"sep=([^\r\n])\r?\n")


class _Rejected(Exception):
    """A file (row 0) or a row that cannot be used, with the reason and its raw text."""

    def __init__(self, reason: str, raw: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw = raw


@dataclass
class _FileRead:
    """One file as it is read: where it came from and how its rows are parsed."""

    config: CustomSource
    rel: str
    stem: str
    split: str
    delimiter: str
    stamps: TimestampParser
    columns: ColumnMap  # one header name per column (alternatives resolved for the file)


def _open_csv(
    config: CustomSource, rel: str, data: bytes
) -> tuple[Iterator[list[str] | BadJsonLine], list[str], str, ColumnMap]:
    """(row reader, header, delimiter, the file's columns); raises _Rejected when the file
    cannot be used.

    A JSON export (JSON lines or an array) is read as a table of its flattened fields."""
    text, encoding, problem = decode_bytes(data, config.folder, config.encoding)
    if text is None:
        raise _Rejected(f"{rel}: {problem}")
    if config.encoding is None and encoding not in ("utf-8", None):
        log.warning("%s is not UTF-8: read as %s (detected)", rel, encoding)
    table = json_table(text)
    if table is not None:  # a helpdesk's JSON export
        header, rows = table
        reader: Iterator[list[str] | BadJsonLine] = iter(rows)
        delimiter, how = ",", "read as JSON: a nested field is named by its dotted path"
    else:
        sep = _EXCEL_SEP.match(text)  # "sep=;" before the header, for Excel
        if sep is not None:
            text = text[sep.end() :]
        named = sep is not None and config.delimiter is None
        delimiter = sep.group(1) if named else _delimiter_of(config, text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = next(reader, None) or []
        except csv.Error as exc:
            raise _Rejected(
                f"{rel}: the header line cannot be parsed ({exc})", first_line(text)
            ) from None
        how = f"read with delimiter {delimiter!r}, " + (
            "named by the file's sep= line"
            if named
            else "given by the mapping"
            if config.delimiter is not None
            else "detected"
        )
    columns, missing = config.columns.resolve(header)
    if missing:
        raise _Rejected(
            f"{rel}: columns {missing} named in the custom source mapping are not in the "
            f"file's header {header} ({how}, and encoding "
            f"{encoding}); fix the mapping (dbt var custom_source: columns, delimiter, "
            "encoding; a list such as `text: [Comment, Feedback]` names a column renamed "
            "between exports) or the export. Correcting the mapping reads this file again.",
            first_line(text),
        )
    return reader, header, delimiter, columns


def _read_file(
    config: CustomSource, path: Path, rel: str, data: bytes, base: dict[str, Any]
) -> list[dict[str, Any]]:
    """The bronze rows of one file (good and rejected)."""
    rows: list[dict[str, Any]] = []

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

    try:
        reader, header, delimiter, columns = _open_csv(config, rel, data)
    except _Rejected as rejected:
        reject(0, rejected.reason, rejected.raw)
        return rows
    position = {name: i for i, name in enumerate(header)}  # a repeated name: the last
    stamps = TimestampParser(config.timestamp_format, config.dayfirst, config.timezone)
    split = config.split_of(path.name)
    read = _FileRead(config, rel, path.stem, split, delimiter, stamps, columns)
    number = 0
    first_row: dict[str, int] = {}  # id -> the row that holds it in this file
    try:
        for values in reader:
            if isinstance(values, BadJsonLine):
                number += 1
                reject(number, f"{rel} row {number}: {values.reason}", values.raw)
                continue
            if not any(v.strip() for v in values):  # a blank line (or Excel's ";;;") is no row
                continue
            number += 1
            try:
                row = _row_of(read, values, header, position, number)
                _check_unique(columns.id, row["record_id"], number, first_row)
            except _Rejected as rejected:
                raw = _raw_row(values, delimiter)
                reject(number, f"{rel} row {number}: {rejected.reason}", raw)
                continue
            # the values stay until read_custom knows whether a later file supersedes it
            good = {"_row_number": number, "_is_rejected": False, "_values": (delimiter, values)}
            rows.append({**row, **base, **good})
    except csv.Error as exc:
        number += 1
        reject(
            number,
            f"{rel} row {number}: the CSV cannot be parsed from here on ({exc}); the rows "
            "after it were not read. Fix the quoting in the export and drop the corrected file.",
            None,
        )
    warn_rating_text(rel, rows)
    warn_markup(rel, rows)
    warn_unmapped_ratings(config, rel, rows)
    warn_day_month_swaps(rel, stamps)
    return rows


def _supersede_repeats_across_files(config: CustomSource, rows: list[dict[str, Any]]) -> None:
    """Quarantines a good row whose id a later file of the same build also holds, naming
    the row that won, and warns once with the count, an example id and both files.

    Staging keeps one version per id, the file whose name sorts last within a build, so
    the other row left every mart without a word (issue 18's walk). Across builds a
    re-delivered id stays the record's next version: only this run's files are compared."""
    last: dict[str, dict[str, Any]] = {}  # id -> its row in the file sorting last
    superseded: list[dict[str, Any]] = []
    for row in rows:  # files in name order, rows in file order
        if row["_is_rejected"]:
            continue
        earlier = last.get(row["record_id"])
        if earlier is not None:
            superseded.append(earlier)
        last[row["record_id"]] = row
    superseded.sort(key=lambda r: (r["_source_file"], r["_row_number"]))
    for old in superseded:
        new = last[old["record_id"]]
        old.update(
            {
                "_is_rejected": True,
                "_reject_reason": (
                    f"{old['_source_file']} row {old['_row_number']}{SUPERSEDED}"
                    f"{old['record_id']!r} is also in {new['_source_file']} row "
                    f"{new['_row_number']} of the same build, and the file whose name sorts "
                    "last wins. If this file holds the newer version, drop it again after "
                    "the other (a later build wins), or take the id out of one export."
                ),
                "_raw_record": _raw_row(old["_values"][1], old["_values"][0]),
            }
        )
    for row in rows:
        row.pop("_values", None)
    if superseded:
        old = superseded[0]
        new = last[old["record_id"]]
        pairs = Counter(
            (o["_source_file"], last[o["record_id"]]["_source_file"]) for o in superseded
        )
        log.warning(
            "custom source %s: %d ids are in more than one file of this build (e.g. id %r in "
            "%s row %d and %s row %d; superseded rows per file pair: %s); the file whose name "
            "sorts last wins and the other %d rows are quarantined as superseded "
            "(rpt_quarantined_rows, reason 'superseded: ...').",
            config.name,
            len({o["record_id"] for o in superseded}),
            old["record_id"],
            old["_source_file"],
            old["_row_number"],
            new["_source_file"],
            new["_row_number"],
            ", ".join(f"{a} -> {b} ({n})" for (a, b), n in pairs.most_common(3)),
            len(superseded),
        )


def _check_unique(
    id_column: str | list[str] | None, record_id: str, number: int, first_row: dict[str, int]
) -> None:
    """Raises _Rejected when the id was already on an earlier row of the same file.

    Staging keeps one version per id (the latest reading), so without this the later row
    of an export with a repeated id would vanish from every mart without a reason."""
    first = first_row.setdefault(record_id, number)
    if first != number:
        raise _Rejected(
            f"id {record_id!r} repeats row {first} of this file (column "
            f"{id_column!r}); row {first} was kept. Give each row its own id in the "
            "export, or set `id: null` in the mapping when the ids are not unique (each row "
            "then becomes <file>-<row>)."
        )


def _utc_of(stamps: TimestampParser, column: str | None, created_at: str | None) -> str | None:
    """The row's timestamp in UTC (None when blank); raises _Rejected when it is no date."""
    if not created_at or created_at.isspace():
        return None
    try:
        return stamps.parse(created_at)
    except ValueError:
        raise _Rejected(f"{column} {created_at!r} is not {stamps.expected}") from None


def _row_of(
    read: _FileRead,
    values: list[str],
    header: list[str],
    position: dict[str, int],
    number: int,
) -> dict[str, Any]:
    """A good row's bronze values; raises _Rejected (reason without the file and row)."""
    config, cols = read.config, read.columns
    low, high = config.rating_scale
    problem = (
        f"expected {len(header)} columns but found {len(values)}"
        if len(values) != len(header)
        else long_field(values, header)
    )
    if problem is not None:
        raise _Rejected(problem)
    record = {name: values[i] for name, i in position.items()}
    record_id = record[cols.id].strip() if cols.id is not None else f"{read.stem}-{number}"
    if not record_id:
        raise _Rejected(f"{cols.id} (the id) is blank")
    rating_raw = record[cols.rating].strip() if cols.rating else ""
    rating = rating_of(rating_raw) if rating_raw else None
    if rating_raw and (rating is None or not low <= rating <= high):
        raise _Rejected(
            f"{cols.rating} {rating_raw!r} is not a number between {low:g} and {high:g}"
        )
    from_text = rating is not None and plain_number(rating_raw) is None  # "4,0", "4 stars"
    created_at = record[cols.timestamp] if cols.timestamp else None
    created_at_utc = _utc_of(read.stamps, cols.timestamp, created_at)
    products = [record[c].strip() for c in cols.product_columns() if record[c].strip()]
    gold_sentiment = record[cols.gold_sentiment].strip().lower() if cols.gold_sentiment else ""
    if not gold_sentiment:
        gold_sentiment = config.sentiment_of(rating) or ""
    markup = has_markup(record[cols.text]) or bool(cols.title and has_markup(record[cols.title]))
    return {
        "_markup": markup,
        "record_id": record_id,
        "title": plain_text(record[cols.title]) if cols.title else None,
        "body": plain_text(record[cols.text]),
        "created_at": created_at,
        "product": "/".join(products) or None,
        "customer_id": record[cols.customer] if cols.customer else None,
        # the number read ("4" for "★★★★☆" or "4,0"), which staging casts
        "rating": f"{rating:g}" if from_text else (rating_raw or None),
        "_rating_text": rating_raw if from_text else None,
        "gold_category": (record[cols.gold_category].strip() or None)
        if cols.gold_category
        else None,
        "gold_sentiment": gold_sentiment or None,
        "split": (record[cols.split].strip().lower() or read.split) if cols.split else read.split,
        "source_name": config.name,
        "channel": config.channel,
        "rating_min": f"{low:g}",
        "rating_max": f"{high:g}",
        "gold_label_scheme": config.gold_label_scheme or config.name,
        "created_at_utc": created_at_utc,
        "_reject_reason": None,
        "_raw_record": None,
    }
