"""Retries, failure kinds and re-sending (issue 16, items 1 and 3): the SDK retries within a
request; a row that still fails is `failed` with a kind (retryable or permanent) and its
reason; the next run sends the retryable ones again, up to a cap across runs; the answer
cache holds only answers that validated."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pandas as pd
import pytest

from feedback_devtools.fakellm import FakeLLM, Reply
from feedback_lakehouse.contracts import EnrichedRecord
from feedback_lakehouse.enrichment.cache import EnrichmentCache
from feedback_lakehouse.enrichment.engine import enrich_frame

STATE_COLUMNS = ["enrichment_key", "status", "failure_kind", "run_attempts"]


def _by_hash(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["text_hash"]: row for row in frame.to_dict("records")}


def test_transient_errors_are_retried_by_the_sdk(
    make_llm, fake_llm, llm_taxonomy, llm_texts, llm_shape
):
    fake_llm.script(Reply.server_error(503), Reply.rate_limited(retry_after=0), Reply.reset())
    # json_schema set: no unretried probe of the mode first, every request is the SDK's
    provider = make_llm(llm_shape, max_retries=3, response_format_mode="json_schema")
    frame = enrich_frame(llm_texts("billing twice"), llm_taxonomy, provider)
    assert list(frame["status"]) == ["ok"] and fake_llm.calls == 4
    assert provider.client.max_retries == 3
    # the SDK numbers its own retries: proof that it, not a loop of ours, re-sent them
    counts = [r.headers.get("x-stainless-retry-count") for r in fake_llm.requests]
    assert counts == ["0", "1", "2", "3"]


def test_failures_keep_their_kind_and_reason(
    make_llm, fake_llm, llm_taxonomy, llm_texts, llm_shape
):
    tries = 2  # max_retries=1: the first request and one retry
    fake_llm.script_for("rate-limited", *[Reply.rate_limited(retry_after=0)] * tries)
    fake_llm.script_for("server-down", *[Reply.server_error(502)] * tries)
    fake_llm.script_for("reset-me", *[Reply.reset()] * tries)
    fake_llm.script_for("too-slow", *[Reply.slow(1.0)] * tries)
    fake_llm.script_for("filtered", Reply.content_filter())
    fake_llm.script_for("refused", Reply.refusal("I can't."))
    fake_llm.script_for("garbage", *[Reply.malformed("{nope")] * 3)
    texts = llm_texts(
        "billing fine",
        "rate-limited billing",
        "server-down billing",
        "reset-me billing",
        "too-slow billing",
        "filtered billing",
        "refused billing",
        "garbage billing",
    )
    provider = make_llm(llm_shape, max_retries=1, timeout_s=0.3, repair_attempts=2)
    rows = _by_hash(enrich_frame(texts, llm_taxonomy, provider))
    assert rows["h0"]["status"] == "ok" and pd.isna(rows["h0"]["failure_kind"])
    expected = {
        "h1": ("retryable", "HTTP 429"),
        "h2": ("retryable", "HTTP 502"),
        "h3": ("retryable", "connection"),
        "h4": ("retryable", "timeout"),
        "h5": ("permanent", "content_filter"),
        "h6": ("permanent", "refusal"),
        "h7": ("permanent", "invalid output"),
    }
    for text_hash, (kind, reason) in expected.items():
        row = rows[text_hash]
        assert row["status"] == "failed", row
        assert (row["failure_kind"], row["error"][: len(reason)]) == (kind, reason), row
    assert all(row["run_attempts"] == 1 for row in rows.values())


def test_next_run_resends_only_retryable_failures_up_to_a_cap(
    make_llm, fake_llm, llm_taxonomy, llm_texts, llm_shape
):
    texts = llm_texts("billing ok", "storm-a billing", "storm-b delivery", "filtered login")
    fake_llm.script_for("storm-a", *[Reply.server_error(503)] * 4)  # fails in runs 1 and 2
    fake_llm.script_for("storm-b", *[Reply.rate_limited(retry_after=0)] * 2)  # fails in run 1
    fake_llm.script_for("filtered", Reply.content_filter())
    first = enrich_frame(texts, llm_taxonomy, make_llm(llm_shape, max_retries=1))
    assert list(first["status"]) == ["ok", "failed", "failed", "failed"]
    assert list(first["failure_kind"].fillna("-")) == ["-", "retryable", "retryable", "permanent"]
    calls = fake_llm.calls

    # run 2: the table holds run 1's rows; only the two retryable failures are sent again
    second = enrich_frame(
        texts,
        llm_taxonomy,
        make_llm(llm_shape, max_retries=1),
        existing_keys=first[STATE_COLUMNS],
        max_run_attempts=3,
    )
    assert sorted(second["text_hash"]) == ["h1", "h2"]
    assert fake_llm.calls - calls == 2 + 1  # storm-a: first try and a retry; storm-b: ok
    rows = _by_hash(second)
    assert rows["h2"]["status"] == "ok" and rows["h2"]["run_attempts"] == 2
    assert rows["h1"]["status"] == "failed" and rows["h1"]["run_attempts"] == 2
    assert "attempt 2 of 3" in rows["h1"]["error"]

    # the cap: a retryable failure already tried max_run_attempts times is not sent again
    table = pd.concat([first[~first["text_hash"].isin(["h1", "h2"])], second])[STATE_COLUMNS]
    calls = fake_llm.calls
    capped = enrich_frame(
        texts, llm_taxonomy, make_llm(llm_shape), existing_keys=table, max_run_attempts=2
    )
    assert capped.empty and fake_llm.calls == calls


def test_cache_holds_only_validated_answers(make_llm, fake_llm, llm_taxonomy, llm_texts, tmp_path):
    cache = str(tmp_path / "llm_cache.sqlite")
    fake_llm.script_for("filtered", Reply.content_filter())
    fake_llm.script_for("garbage", *[Reply.malformed("{nope")] * 3)
    fake_llm.script_for("storm", *[Reply.server_error(500)] * 2)
    texts = llm_texts("billing ok", "filtered billing", "garbage billing", "storm billing")
    first = enrich_frame(texts, llm_taxonomy, make_llm(cache_path=cache, max_retries=1))
    assert list(first["status"]) == ["ok", "failed", "failed", "failed"]
    assert len(EnrichmentCache(cache)) == 1

    # the server is fixed; --full-refresh (no stored keys) asks again what failed, and
    # only that: the ok answer comes from the cache
    calls = fake_llm.calls
    again = enrich_frame(texts, llm_taxonomy, make_llm(cache_path=cache))
    assert fake_llm.calls - calls == 3
    assert list(again["status"]) == ["ok", "ok", "ok", "ok"]


def test_failures_in_an_old_cache_file_are_not_replayed(
    make_llm, fake_llm, llm_taxonomy, llm_texts, tmp_path
):
    cache = str(tmp_path / "llm_cache.sqlite")
    fake_llm.script(Reply.content_filter())
    failed = enrich_frame(llm_texts("billing"), llm_taxonomy, make_llm())
    assert list(failed["status"]) == ["failed"]
    row = failed.iloc[0]
    record = EnrichedRecord(
        enrichment_key=row["enrichment_key"],
        text_hash="h0",
        taxonomy_version=row["taxonomy_version"],
        prompt_version=row["prompt_version"],
        provider=row["provider"],
        model=row["model"],
        enriched_at=datetime.now(timezone.utc),
        status="failed",
        error=row["error"],
    )
    store = EnrichmentCache(cache)
    with sqlite3.connect(cache) as con:  # what a cache file written before the fix holds
        con.execute(
            "insert into enrichment_cache values (?, ?, 'failed', '2026-01-01')",
            (record.enrichment_key, record.model_dump_json()),
        )
    assert len(store) == 1 and store.get_many(list(failed["enrichment_key"])) == {}
    frame = enrich_frame(llm_texts("billing"), llm_taxonomy, make_llm(cache_path=cache))
    assert list(frame["status"]) == ["ok"] and fake_llm.calls == 2


@pytest.mark.parametrize("shape", ["openai", "azure_openai"])
def test_a_fault_storm_then_a_healed_server_ends_with_every_text_ok(
    make_llm, llm_taxonomy, llm_texts, shape
):
    texts = llm_texts(*[f"billing complaint number {i}" for i in range(40)])
    with FakeLLM() as server:
        server.storm(rate_limit=0.3, server_error=0.1, reset=0.05, timeout=0.03, seed=5)
        options = (
            {"base_url": server.base_url}
            if shape == "openai"
            else {"azure_endpoint": server.endpoint}
        )
        first = enrich_frame(
            texts, llm_taxonomy, make_llm(shape, max_retries=1, timeout_s=0.3, **options)
        )
        failed = first[first["status"] == "failed"]
        assert len(first) == 40 and not failed.empty  # ~23% of texts fail twice in a row
        assert (failed["failure_kind"] == "retryable").all()

        server.heal()
        second = enrich_frame(
            texts,
            llm_taxonomy,
            make_llm(shape, **options),
            existing_keys=first[STATE_COLUMNS],
        )
        assert sorted(second["text_hash"]) == sorted(failed["text_hash"])
        assert (second["status"] == "ok").all()
        # every text was answered exactly once; every other call met an injected fault
        assert server.answered == 40
        assert server.calls == 40 + server.faults
        assert sum(server.fault_counts.values()) == server.faults > 0
