"""An issue's digest written by an LLM: map-reduce over all of its texts, cached.

Map: the texts are cut into chunks of at most `chunk_chars` characters and each chunk is
summarised (`prompts/digest_map_v1.txt`). Reduce: the partial summaries are merged
(`prompts/digest_reduce_v1.txt`), in rounds of at most `chunk_chars` characters, until
one is left; so no issue is too large for the model's context window. Only the masked
text is sent. The result is cached in a SQLite file by the sorted set of the texts'
hashes, the model and the prompt version (a hash of both templates, as the enrichment
prompts are versioned): the same texts never cost a second call, and a new text or a
template edit does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from string import Template
from typing import Any

from feedback_lakehouse.enrichment.budget import prompt_token_bound
from feedback_lakehouse.enrichment.prompting import load_template

logger = logging.getLogger("feedback_lakehouse.llm")

MAP_TEMPLATE = "digest_map_v1"
REDUCE_TEMPLATE = "digest_reduce_v1"
CHUNK_CHARS = 12_000
ANSWER_TOKENS = 400
_MEMORY: dict[str, dict[str, Any]] = {}


class DigestError(RuntimeError):
    """The LLM could not write the digest (error, refusal, budget)."""


def prompt_version() -> str:
    """`digest_v1+<12 hex>` over both templates: an edit gives new cache keys."""
    parts = [load_template(name) for name in (MAP_TEMPLATE, REDUCE_TEMPLATE)]
    payload = json.dumps([[p.system, p.user] for p in parts], ensure_ascii=False)
    return "digest_v1+" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def cache_key(text_hashes: Sequence[str], model: str) -> str:
    payload = json.dumps([prompt_version(), model, sorted(set(text_hashes))])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def chunks(lines: Sequence[str], limit: int) -> list[list[str]]:
    """Consecutive lines in groups of at most `limit` characters (a longer line alone)."""
    groups: list[list[str]] = []
    size = 0
    for line in lines:
        if groups and size + len(line) + 1 <= limit:
            groups[-1].append(line)
            size += len(line) + 1
        else:
            groups.append([line])
            size = len(line) + 1
    return groups


def _ask(provider: Any, template: str, values: dict[str, Any]) -> str:
    """One chat completion through the provider's client, counted in its budget."""
    import openai

    prompt = load_template(template)
    messages = [
        {"role": "system", "content": Template(prompt.system).safe_substitute(values)},
        {"role": "user", "content": Template(prompt.user).safe_substitute(values)},
    ]
    estimate = 0.0
    if getattr(provider, "price", None) is not None:
        bound = prompt_token_bound([m["content"] for m in messages])
        estimate = provider.price.cost(bound, ANSWER_TOKENS)
    refused = provider.budget.reserve(estimate)
    if refused:
        raise DigestError(refused)
    actual = 0.0
    try:
        completion = provider.client.chat.completions.create(
            model=provider.model,
            messages=messages,
            temperature=provider.options.temperature,
            max_tokens=ANSWER_TOKENS,
        )
        usage = completion.usage
        if usage is not None and getattr(provider, "price", None) is not None:
            actual = provider.price.cost(usage.prompt_tokens, usage.completion_tokens)
    except openai.OpenAIError as err:
        raise DigestError(f"the LLM call for the digest failed: {err}") from err
    finally:
        provider.budget.settle(estimate, actual)
    content = completion.choices[0].message.content
    if not content or not content.strip():
        raise DigestError(
            f"the LLM gave no digest text (finish_reason {completion.choices[0].finish_reason})"
        )
    return content.strip()


def map_reduce(
    provider: Any, category_id: str, texts: Sequence[str], chunk_chars: int | None = None
) -> tuple[str, int]:
    """The summary of all `texts` and the number of LLM calls it took."""
    chunk_chars = chunk_chars or CHUNK_CHARS
    lines = [" ".join(t.split()) for t in texts]
    groups = chunks(lines, chunk_chars)
    partials = [
        _ask(
            provider,
            MAP_TEMPLATE,
            {
                "category": category_id,
                "n_texts": len(group),
                "part": i + 1,
                "parts": len(groups),
                "texts": "\n".join(group),
            },
        )  # fmt: skip
        for i, group in enumerate(groups)
    ]
    calls = len(partials)
    while len(partials) > 1:
        rounds = chunks([p.replace("\n", " ") for p in partials], chunk_chars)
        if len(rounds) == len(partials) and len(partials) > 1:
            rounds = [partials[i : i + 2] for i in range(0, len(partials), 2)]
        partials = [
            _ask(
                provider,
                REDUCE_TEMPLATE,
                {
                    "category": category_id,
                    "n_parts": len(group),
                    "n_texts": len(texts),
                    "summaries": "\n---\n".join(group),
                },
            )  # fmt: skip
            for group in rounds
        ]
        calls += len(partials)
    return partials[0], calls


def llm_digest(
    provider: Any,
    category_id: str,
    rows: Sequence[dict[str, Any]],
    *,
    cache_path: str | Path | None = None,
    chunk_chars: int | None = None,
) -> dict[str, Any]:
    """{text, method "llm", n_texts, ids, calls, cached, prompt_version} for the rows
    (feedback_id, masked_text, text_hash); raises DigestError when the LLM fails."""
    if not rows:
        raise DigestError(f"no texts in category {category_id} for these filters")
    key = cache_key([str(r["text_hash"]) for r in rows], str(provider.model))
    found = _read(cache_path, key)
    if found is not None:
        return {**found, "cached": True}
    text, calls = map_reduce(
        provider, category_id, [str(r["masked_text"]) for r in rows], chunk_chars
    )
    digest = {
        "text": text,
        "method": "llm",
        "n_texts": len(rows),
        "sentences": [line for line in text.splitlines() if line.strip()],
        "ids": [r["feedback_id"] for r in rows],
        "calls": calls,
        "prompt_version": prompt_version(),
        "cached": False,
    }
    _write(cache_path, key, digest)
    return digest


def _connect(path: str | Path) -> sqlite3.Connection:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30)
    conn.execute(
        "create table if not exists issue_digest "
        "(cache_key text primary key, digest_json text not null, written_at text not null)"
    )
    return conn


def _read(path: str | Path | None, key: str) -> dict[str, Any] | None:
    if path is None:
        return _MEMORY.get(key)
    try:
        conn = _connect(path)
        try:
            row = conn.execute(
                "select digest_json from issue_digest where cache_key = ?", (key,)
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as err:
        logger.warning("digest cache %s unreadable (%s): asking the LLM again", path, err)
        return None
    return json.loads(row[0]) if row else None


def _write(path: str | Path | None, key: str, digest: dict[str, Any]) -> None:
    if path is None:
        _MEMORY[key] = digest
        return
    now = datetime.now(timezone.utc).isoformat()
    try:
        conn = _connect(path)
        try:
            conn.execute(
                "insert or replace into issue_digest values (?, ?, ?)",
                (key, json.dumps(digest, default=str), now),
            )
            conn.commit()
        finally:
            conn.close()
    except sqlite3.Error as err:
        logger.warning(
            "digest cache %s not written (%s): the next call pays again; "
            "check the folder is writable or pass cache_path",
            path,
            err,
        )
