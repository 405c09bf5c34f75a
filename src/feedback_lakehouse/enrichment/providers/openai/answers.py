"""Reading an endpoint's answers and errors: JSON (fenced or not), the pydantic contract,
batch items, error text and codes (scrubbed of secrets), retry counts and waits."""

from __future__ import annotations

import json
from typing import Any

import openai
from pydantic import ValidationError

from feedback_lakehouse.contracts import Enrichment
from feedback_lakehouse.enrichment.taxonomy import Taxonomy
from feedback_lakehouse.text.scrub import scrub


class BadOutput(Exception):
    """The model's answer is not valid JSON or breaks the schema (repairable)."""


def loads(content: str | None, finish_reason: str | None) -> Any:
    if not content or not content.strip():
        raise BadOutput(f"empty answer (finish_reason={finish_reason})")
    text = content.strip()
    if text.startswith("```"):  # some local models fence their JSON
        text = text.strip("`")
        text = text[4:] if text.lower().startswith("json") else text
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        cut = " (cut off: finish_reason=length)" if finish_reason == "length" else ""
        raise BadOutput(f"not valid JSON{cut}: {exc.msg} at char {exc.pos}") from exc


def validate(data: Any, taxonomy: Taxonomy) -> Enrichment:
    if not isinstance(data, dict):
        raise BadOutput(f"expected a JSON object, got {type(data).__name__}")
    data = {k: v for k, v in data.items() if k != "id"}
    try:
        return taxonomy.coerce(Enrichment.model_validate(data))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'answer'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise BadOutput(f"schema violation: {problems}") from exc


def batch_items(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise BadOutput('expected {"items": [...]}')
    out: dict[str, Any] = {}
    for entry in data["items"]:
        if isinstance(entry, dict) and "id" in entry:
            out.setdefault(str(entry["id"]), entry)
    return out


def error_text(exc: openai.APIStatusError) -> str:
    """The endpoint's error message, scrubbed of secrets (before any truncation, so a
    cut never leaves half a key)."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        text = str(error.get("message") or error) if isinstance(error, dict) else str(error)
    else:
        text = str(exc.message or body)
    return scrub(text)


def error_code(exc: openai.APIStatusError) -> str:
    body = exc.body
    code = getattr(exc, "code", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            code = code or error.get("code")
    return str(code or "")


def is_content_filter(exc: openai.APIStatusError, text: str) -> bool:
    return exc.status_code == 400 and (
        error_code(exc) == "content_filter" or "content management policy" in text.lower()
    )


def rejects_json_schema(exc: openai.APIStatusError, text: str) -> bool:
    lowered = text.lower()
    return exc.status_code in (400, 422, 500, 501) and (
        "json_schema" in lowered or "response_format" in lowered
    )


def retries_made(source: Any) -> int:
    """How many retries the SDK made before giving up: the `x-stainless-retry-count`
    header it puts on each attempt (of an error's request, or a response's)."""
    request = getattr(source, "request", None)
    headers = getattr(request, "headers", None) or {}
    try:
        return int(headers.get("x-stainless-retry-count", 0))
    except (TypeError, ValueError):
        return 0


def probe_wait(response: Any) -> float:
    """Seconds to wait before re-sending an unretried probe that met a transient error:
    its Retry-After (-ms) when given and at most 60 s, else 0.5 s (the SDK's rule and
    first delay; the SDK's own retries handle every later attempt)."""
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            seconds = float(headers.get(name, "")) / scale
        except ValueError:
            continue
        if 0 < seconds <= 60:
            return seconds
    return 0.5
