"""The engine with an LLM provider: cache, dedup, resume after a crash, budget, batching."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from conftest import LLM_PRICES

from feedback_devtools.fakellm import Reply
from feedback_lakehouse.enrichment.budget import parse_prices, prompt_token_bound
from feedback_lakehouse.enrichment.cache import EnrichmentCache
from feedback_lakehouse.enrichment.engine import done_keys, enrich_frame, pending_items
from feedback_lakehouse.enrichment.taxonomy import Taxonomy

TEXTS = [f"billing issue number {i}" for i in range(4)] + ["delivery late", "login broken"]


def test_cache_second_run_makes_no_call(make_llm, fake_llm, llm_taxonomy, llm_texts, tmp_path):
    cache = tmp_path / "llm_cache.sqlite"
    texts = llm_texts(*TEXTS)
    first = enrich_frame(texts, llm_taxonomy, make_llm(cache_path=str(cache)))
    assert fake_llm.calls == len(TEXTS) and len(EnrichmentCache(cache)) == len(TEXTS)

    # A new run (new provider) whose table lost the rows: answered from the cache.
    second = enrich_frame(texts, llm_taxonomy, make_llm(cache_path=str(cache)))
    assert fake_llm.calls == len(TEXTS)
    pd.testing.assert_frame_equal(first, second)

    # A run whose table has every key sends nothing and returns nothing new.
    third = enrich_frame(
        texts, llm_taxonomy, make_llm(), existing_keys=list(first["enrichment_key"])
    )
    assert third.empty and fake_llm.calls == len(TEXTS)


def test_duplicate_texts_are_sent_once(make_llm, fake_llm, llm_taxonomy):
    texts = pd.DataFrame(
        {
            "text_hash": ["a", "b", "a", "a", "b"],
            "text": ["billing x", "delivery y", "billing x", "billing x", "delivery y"],
            "language": ["en"] * 5,
        }
    )
    frame = enrich_frame(texts, llm_taxonomy, make_llm(concurrency=4))
    assert fake_llm.calls == 2 and sorted(frame["text_hash"]) == ["a", "b"]
    assert frame["enrichment_key"].is_unique


def test_resume_after_a_crash_calls_only_unanswered_keys(
    make_llm, fake_llm, llm_taxonomy, llm_texts, tmp_path
):
    cache = str(tmp_path / "cache.sqlite")
    texts = llm_texts(*[f"billing {i}" for i in range(10)])
    seen: list[str] = []

    def crash_after_three(record) -> None:
        seen.append(record.enrichment_key)
        if len(seen) == 3:
            raise RuntimeError("simulated crash (the dbt process dies)")

    with pytest.raises(RuntimeError, match="simulated crash"):
        enrich_frame(
            texts,
            llm_taxonomy,
            make_llm(cache_path=cache, concurrency=2),
            on_record=crash_after_three,
        )
    first_calls = fake_llm.calls
    answered = len(EnrichmentCache(cache))
    assert 3 <= answered == first_calls < 10  # in-flight answers were kept too

    frame = enrich_frame(texts, llm_taxonomy, make_llm(cache_path=cache, concurrency=2))
    assert len(frame) == 10 and (frame["status"] == "ok").all()
    assert fake_llm.calls - first_calls == 10 - answered  # no answered key was called again


def test_budget_defers_rows_and_the_next_run_picks_them_up(
    make_llm, fake_llm, llm_taxonomy, llm_texts
):
    texts = llm_texts(*TEXTS[:5])
    frame = enrich_frame(texts, llm_taxonomy, make_llm(max_calls=3))
    assert fake_llm.calls == 3 and len(frame) == 5
    assert list(frame["status"]) == ["ok", "ok", "ok", "deferred", "deferred"]
    deferred = frame[frame["status"] == "deferred"]
    assert deferred["error"].str.contains("max_calls=3").all()
    assert deferred["main_category"].isna().all()

    # The table holds 3 ok + 2 deferred rows: deferred keys are not done.
    table = frame[["enrichment_key", "status"]]
    assert done_keys(table) == set(frame.loc[frame["status"] == "ok", "enrichment_key"])
    again = enrich_frame(texts, llm_taxonomy, make_llm(max_calls=3), existing_keys=table)
    assert fake_llm.calls == 5 and list(again["status"]) == ["ok", "ok"]
    assert set(again["enrichment_key"]) == set(deferred["enrichment_key"])


def test_cost_cap_defers_rows(make_llm, fake_llm, llm_taxonomy, llm_texts):
    texts = llm_texts(*TEXTS)
    probe = enrich_frame(llm_texts(TEXTS[0]), llm_taxonomy, make_llm())
    per_call = float(probe["cost_usd"].iloc[0])
    # a call reserves its worst case (prompt bytes + max_tokens) before it is sent
    body = fake_llm.requests[0].body
    bound = prompt_token_bound([m["content"] for m in body["messages"]])
    worst = parse_prices(LLM_PRICES)["fake-llm"].cost(bound, body["max_tokens"])
    assert worst > per_call
    fake_llm.reset()
    cap = worst + 1.5 * per_call  # two calls fit; a third's worst case would not
    frame = enrich_frame(texts, llm_taxonomy, make_llm(max_cost_usd=cap))
    statuses = list(frame["status"])
    assert statuses.count("ok") == 2 and statuses.count("deferred") == 4
    assert fake_llm.calls == 2 and frame["cost_usd"].sum() <= cap
    assert frame.loc[frame["status"] == "deferred", "error"].str.contains("max_cost_usd").all()


def test_batching_with_one_bad_item(make_llm, fake_llm, llm_taxonomy, llm_texts):
    texts = llm_texts(*TEXTS)  # 6 texts, 2 batches of 3
    fake_llm.script_for("number 0", Reply.batch_bad_item(1))  # first batch: items 0-2
    fake_llm.script_for("delivery late", Reply.batch_missing(2))  # second batch: items 3-5
    frame = enrich_frame(texts, llm_taxonomy, make_llm(batch_size=3))
    assert len(frame) == 6 and (frame["status"] == "ok").all()
    assert list(frame["main_category"]) == ["billing"] * 4 + ["delivery", "login"]
    # 2 batch calls + 1 single call for the bad item + 1 for the missing one
    assert fake_llm.calls == 4
    batch_prompt = fake_llm.requests[0].body["messages"][1]["content"]
    assert '"items"' in batch_prompt and '"id": "3"' in batch_prompt
    assert frame["prompt_version"].str.startswith("classify_batch_v2+").all()
    assert (frame["prompt_tokens"] > 0).all() and (frame["cost_usd"] > 0).all()


def test_batch_with_content_filter_is_retried_singly(make_llm, fake_llm, llm_taxonomy, llm_texts):
    fake_llm.script_for("violent", Reply.content_filter(), Reply.content_filter())
    texts = llm_texts("billing ok", "violent delivery", "login ok")
    frame = enrich_frame(texts, llm_taxonomy, make_llm(batch_size=3))
    assert list(frame["status"]) == ["ok", "failed", "ok"]
    assert fake_llm.calls == 1 + 3


def test_progress_is_logged(make_llm, fake_llm, llm_taxonomy, llm_texts, caplog):
    caplog.set_level(logging.INFO, logger="feedback_lakehouse")
    enrich_frame(llm_texts(*TEXTS), llm_taxonomy, make_llm(progress_every_rows=2))
    lines = [r.getMessage() for r in caplog.records if "rows/s" in r.getMessage()]
    assert any("6/6 rows" in line and "errors so far 0" in line for line in lines)
    assert len(lines) >= 3


def test_prompt_or_taxonomy_change_gives_new_keys(make_llm, llm_taxonomy, llm_texts):
    provider = make_llm()
    texts = llm_texts(*TEXTS)
    keys = {key for key, _ in pending_items(texts, llm_taxonomy, provider)}
    renamed = Taxonomy(version="t2", categories=llm_taxonomy.categories)
    new_keys = {key for key, _ in pending_items(texts, renamed, provider)}
    assert keys.isdisjoint(new_keys)
    batched = {key for key, _ in pending_items(texts, llm_taxonomy, make_llm(batch_size=4))}
    assert keys.isdisjoint(batched)
