"""Benchmark of the LLM enrichment path against the fake server (not a timed test).

With a fixed server latency L and `concurrency` C, no client can beat C / L requests per
second; the benchmark reports the throughput reached as a fraction of that bound (goal
>= 0.9) and the calls made per distinct text (goal <= 1.0; inputs contain duplicates).
It also reports prompt tokens per text at batch sizes 1, 5 and 10, and how many of them
the endpoint served from its prompt cache (the fake reports a repeated system message
as cached, as OpenAI does for a repeated prefix of 1,024+ tokens).

    python -m feedback_devtools.bench_llm --texts 400 --concurrency 16 --latency-ms 200
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_devtools.fakellm import FakeLLM
from feedback_lakehouse.enrichment.engine import enrich_frame, make_provider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

_CATEGORIES = ("billing", "delivery", "login", "packaging", "pricing")


def _taxonomy() -> Taxonomy:
    return Taxonomy.from_records(
        [
            {
                "taxonomy_version": "bench",
                "category_id": cid,
                "parent_category_id": "",
                "category_name": cid.title(),
                "description": f"Feedback about {cid}.",
                "owner_team": f"{cid}_team",
                "criticality": 3,
                "keywords": cid,
                "examples": f"{cid} problem",
            }
            for cid in _CATEGORIES
        ]
    )


def _texts(n: int, duplicate_every: int) -> pd.DataFrame:
    rows = []
    for i in range(n):
        j = i - 1 if duplicate_every and i % duplicate_every == duplicate_every - 1 else i
        cid = _CATEGORIES[j % len(_CATEGORIES)]
        rows.append((f"t{j}", f"Text {j}: a {cid} problem, contact me at user{j}@example.com"))
    return pd.DataFrame(
        {"text_hash": [r[0] for r in rows], "text": [r[1] for r in rows], "language": "en"}
    )


def run_bench(
    texts: int = 400,
    concurrency: int = 16,
    latency_ms: float = 200.0,
    batch_size: int = 1,
    duplicate_every: int = 4,
) -> dict[str, Any]:
    """Enrich `texts` rows (one in `duplicate_every` a duplicate) against the fake server."""
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    frame = _texts(texts, duplicate_every)
    distinct = frame["text_hash"].nunique()
    taxonomy = _taxonomy()
    with FakeLLM(latency_ms=latency_ms) as server, tempfile.TemporaryDirectory() as tmp:
        options: dict[str, Any] = {
            "model": "fake-llm",
            "base_url": server.base_url,
            "api_key": "bench",
            "concurrency": concurrency,
            "batch_size": batch_size,
            "cache_path": str(Path(tmp) / "cache.sqlite"),
            "response_format_mode": "json_schema",
        }
        # Warm up once (SDK lazy imports, first connection): a one-off process cost, not
        # throughput. Its call is not counted below.
        warm = {**options, "cache_path": None, "concurrency": 1}
        enrich_frame(
            _texts(1, 0).assign(text_hash="warm-up"), taxonomy, make_provider("openai", **warm)
        )
        warm_calls = server.calls
        started = time.monotonic()
        out = enrich_frame(frame, taxonomy, make_provider("openai", **options))
        elapsed = time.monotonic() - started
        calls = server.calls - warm_calls
        rerun = enrich_frame(frame, taxonomy, make_provider("openai", **options))
        rerun_calls = server.calls - warm_calls - calls
    rows_per_s = len(out) / elapsed
    bound = concurrency * batch_size / (latency_ms / 1000.0)
    return {
        "texts": texts,
        "distinct_texts": int(distinct),
        "records": len(out),
        "ok_records": int((out["status"] == "ok").sum()),
        "concurrency": concurrency,
        "batch_size": batch_size,
        "latency_ms": latency_ms,
        "elapsed_s": round(elapsed, 3),
        "throughput_rows_per_s": round(rows_per_s, 2),
        "bound_rows_per_s": round(bound, 2),
        "fraction_of_bound": round(rows_per_s / bound, 3),
        "calls": calls,
        "calls_per_distinct_text": round(calls / distinct, 3),
        "rerun_calls_with_cache": rerun_calls,
        "rerun_records": len(rerun),
    }


def prompt_tokens_by_batch_size(
    texts: int = 60, batch_sizes: tuple[int, ...] = (1, 5, 10)
) -> dict[str, dict[str, float]]:
    """Prompt tokens (and cached prompt tokens) per text at each batch size, from the
    usage the fake server returns (4 characters a token)."""
    frame = _texts(texts, 0)
    taxonomy = _taxonomy()
    out: dict[str, dict[str, float]] = {}
    with FakeLLM() as server:
        for size in batch_sizes:
            server.reset()
            options = {
                "model": "fake-llm",
                "base_url": server.base_url,
                "api_key": "bench",
                "concurrency": 4,
                "batch_size": size,
                "response_format_mode": "json_schema",
            }
            result = enrich_frame(frame, taxonomy, make_provider("openai", **options))
            out[str(size)] = {
                "calls": server.calls,
                "prompt_tokens_per_text": round(
                    float(result["prompt_tokens"].sum()) / len(result), 1
                ),
                "cached_prompt_tokens_per_text": round(
                    float(result["cached_prompt_tokens"].sum()) / len(result), 1
                ),
            }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--duplicate-every", type=int, default=4)
    args = parser.parse_args(argv)
    result = run_bench(
        texts=args.texts,
        concurrency=args.concurrency,
        latency_ms=args.latency_ms,
        batch_size=args.batch_size,
        duplicate_every=args.duplicate_every,
    )
    result["prompt_tokens_by_batch_size"] = prompt_tokens_by_batch_size()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
