"""Prompt cost: a byte-identical system prefix, and cached prompt tokens reported."""

from __future__ import annotations

import logging

from feedback_lakehouse.enrichment.engine import enrich_frame

TEXTS = ("I was charged twice, billing", "the delivery never came", "login loops forever")


def test_system_part_is_a_byte_identical_prefix(make_llm, fake_llm, llm_taxonomy, llm_texts):
    for batch_size in (1, 2):
        fake_llm.reset()
        enrich_frame(llm_texts(*TEXTS), llm_taxonomy, make_llm(batch_size=batch_size))
        requests = fake_llm.requests
        assert len(requests) == (3 if batch_size == 1 else 2)
        raw = [r.body["messages"][0]["content"].encode("utf-8") for r in requests]
        assert all(r.body["messages"][0]["role"] == "system" for r in requests)
        assert len(set(raw)) == 1 and len(raw[0]) > 500
        for request in requests:
            messages = request.body["messages"]
            assert [m["role"] for m in messages] == ["system", "user"]
            for text in TEXTS:  # the per-text part comes after the shared prefix
                assert text not in messages[0]["content"]
        assert all(
            any(text in r.body["messages"][1]["content"] for r in requests) for text in TEXTS
        )


def test_cached_prompt_tokens_are_stored_and_summed(
    make_llm, fake_llm, llm_taxonomy, llm_texts, caplog
):
    caplog.set_level(logging.INFO, logger="feedback_lakehouse.llm")
    provider = make_llm()
    frame = enrich_frame(llm_texts(*TEXTS), llm_taxonomy, provider)
    cached = list(frame["cached_prompt_tokens"])
    # the fake caches a system message it has seen: the first request misses
    system_tokens = len(fake_llm.requests[0].body["messages"][0]["content"]) // 4
    assert cached == [0, system_tokens, system_tokens]
    assert (frame["cached_prompt_tokens"] < frame["prompt_tokens"]).all()
    assert provider.budget.cached_prompt_tokens == 2 * system_tokens
    summary = [r.getMessage() for r in caplog.records if "cached" in r.getMessage()]
    assert summary and f"of which cached {2 * system_tokens}" in summary[-1]


def test_bench_reports_prompt_tokens_per_text_by_batch_size():
    from feedback_devtools.bench_llm import prompt_tokens_by_batch_size

    result = prompt_tokens_by_batch_size(texts=20, batch_sizes=(1, 5, 10))
    assert [result[k]["calls"] for k in ("1", "5", "10")] == [20, 4, 2]
    per_text = [result[k]["prompt_tokens_per_text"] for k in ("1", "5", "10")]
    assert per_text[0] > per_text[1] > per_text[2] > 0  # the system part is shared
    assert all(result[k]["cached_prompt_tokens_per_text"] > 0 for k in result)
