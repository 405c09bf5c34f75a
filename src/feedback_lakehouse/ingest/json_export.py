"""JSON exports of helpdesk tools (Zendesk, Intercom: JSON lines, a JSON array, or an
object wrapping one array) as a table for the custom source: a nested field is a column
named by its dotted path (`comment.body`), a list is joined with '|'.

The flattening is done here rather than with pandas.json_normalize, which turns an
integer field missing from some records into floats (id 9000 -> "9000.0")."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class BadJsonLine:
    """A line of a JSON-lines file that does not parse: its row is quarantined alone."""

    reason: str
    raw: str


def _flat(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flat(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            out[prefix] = "|".join(_text(v) for v in value)
        else:
            out[prefix] = json.dumps(value, ensure_ascii=False)
    else:
        out[prefix] = _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _records(text: str) -> list[dict[str, Any] | BadJsonLine] | None:
    """The file's records, or None when the text is no JSON export (a CSV)."""
    start = text.lstrip()[:1]
    if start not in ("[", "{"):
        return None
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, list):
        return whole
    if isinstance(whole, dict):
        arrays = [v for v in whole.values() if isinstance(v, list)]
        return arrays[0] if len(arrays) == 1 else [whole]  # {"tickets": [...], "count": n}
    if start == "[":
        return None  # not JSON after all: a CSV whose header starts with "["
    records: list[dict[str, Any] | BadJsonLine] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            records.append(
                BadJsonLine(
                    f"line {number} is not JSON ({exc.msg} at character {exc.pos}); the other "
                    "lines load. Export the record again if it should load.",
                    line,
                )
            )
    return records


def json_table(text: str) -> tuple[list[str], list[list[str] | BadJsonLine]] | None:
    """(header, rows) of a JSON export, every value as text; None for a non-JSON file."""
    records = _records(text)
    if records is None:
        return None
    flat: list[dict[str, str] | BadJsonLine] = []
    header: dict[str, None] = {}  # the union of the records' fields, in first-seen order
    for record in records:
        if isinstance(record, BadJsonLine):
            flat.append(record)
            continue
        fields: dict[str, str] = {}
        _flat(record if isinstance(record, dict) else {"value": record}, "", fields)
        header.update(dict.fromkeys(fields))
        flat.append(fields)
    names = list(header)
    rows = [r if isinstance(r, BadJsonLine) else [r.get(n, "") for n in names] for r in flat]
    return names, rows
