"""Boundary instances of a JSON schema, read from the schema itself (for the LLM tests).

The limits come from asking a JSON Schema validator (`jsonschema`) which values the
schema accepts, not from the pydantic model: so a test can check that every instance at
the sent schema's limits is one the pydantic model accepts too ("schema-valid implies
pydantic-valid"), and fail when the schema lets through more than the check applied.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

# Mixed characters: ASCII, accented, a non-BMP emoji, whitespace inside the text; digits
# for fields whose pattern takes only those (batch item ids).
_ALPHABETS = ("aé😀 Z-", "1234567890")
_PROBE = 5000  # longer than any limit the enrichment schema should allow


def _text(length: int, alphabet: str = _ALPHABETS[0]) -> str:
    return (alphabet * (length // len(alphabet) + 1))[:length]


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("type")
    return list(kind) if isinstance(kind, list) else [kind] if kind else []


def string_bounds(node: dict[str, Any]) -> tuple[int, int | None]:
    """(shortest, longest) string the node accepts; longest None when unbounded."""
    shortest, longest, _ = _string_limits(node)
    return shortest, longest


def _string_limits(node: dict[str, Any]) -> tuple[int, int | None, str]:
    validator = Draft202012Validator(node)
    lengths = [n for n in range(_PROBE) if n < 64 or n % 50 == 0]
    for alphabet in _ALPHABETS:
        shortest = next((n for n in lengths if validator.is_valid(_text(n, alphabet))), None)
        if shortest is not None:
            break
    assert shortest is not None, f"no string of length < {_PROBE} fits {node}"
    if validator.is_valid(_text(_PROBE, alphabet)):
        return shortest, None, alphabet
    low, high = shortest, _PROBE  # low is valid, high is not
    while high - low > 1:
        middle = (low + high) // 2
        if validator.is_valid(_text(middle, alphabet)):
            low = middle
        else:
            high = middle
    return shortest, low, alphabet


def boundary_values(node: dict[str, Any], where: str) -> list[Any]:
    """Values at the node's limits: each enum value, min/max numbers, shortest and
    longest strings, empty and fullest arrays, null where allowed."""
    values: list[Any] = []
    types = _types(node)
    if "null" in types:
        values.append(None)
    if "enum" in node:
        return values + [v for v in node["enum"] if v is not None]
    if "boolean" in types:
        values += [False, True]
    if "number" in types or "integer" in types:
        assert "minimum" in node and "maximum" in node, f"{where}: unbounded number {node}"
        values += [node["minimum"], node["maximum"]]
    if "string" in types:
        shortest, longest, alphabet = _string_limits({**node, "type": "string"})
        assert longest is not None, f"{where}: the schema lets a string of any length through"
        values += [_text(shortest, alphabet), _text(longest, alphabet)]
    if "array" in types:
        assert "maxItems" in node, f"{where}: the schema lets an array of any length through"
        items = boundary_values(node["items"], f"{where}[]")
        fullest = [items[i % len(items)] for i in range(node["maxItems"])]
        values += [[] if node.get("minItems", 0) == 0 else fullest[: node["minItems"]], fullest]
    if "object" in types:
        values += boundary_objects(node, where)
    return values


def boundary_objects(node: dict[str, Any], where: str = "answer") -> list[dict[str, Any]]:
    """Objects with every property at one of its limits: one object per limit index
    (property values cycle), so each property's every boundary value appears."""
    choices = {
        name: boundary_values(prop, f"{where}.{name}") for name, prop in node["properties"].items()
    }
    rounds = max(len(values) for values in choices.values())
    return [
        {name: values[i % len(values)] for name, values in choices.items()} for i in range(rounds)
    ]


def fullest_object(node: dict[str, Any]) -> dict[str, Any]:
    """One object with every string and array at its longest, numbers at their maximum,
    and the first enum value: the largest answer the schema allows."""
    out: dict[str, Any] = {}
    for name, prop in node["properties"].items():
        values = [v for v in boundary_values(prop, name) if v is not None]
        if "enum" in prop:
            out[name] = values[0]
        elif isinstance(values[-1], (str, list)):
            out[name] = max(values, key=len)
        else:
            out[name] = values[-1]
    return out
