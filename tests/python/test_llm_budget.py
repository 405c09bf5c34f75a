"""The per-run cost cap against the fake server at concurrency 16 (issue 16 item 5)."""

from __future__ import annotations

from feedback_lakehouse.enrichment.engine import enrich_frame

END_STATUSES = {"ok", "needs_review", "failed", "deferred"}


def _texts(n: int) -> list[str]:
    # every third text is long: its call costs ~8x a short one, so an estimate from
    # the average cost so far (or from a guess) under-reserves it
    return [
        f"billing {i}: " + ("the invoice is wrong again " * (500 if i % 3 == 0 else 1))
        for i in range(n)
    ]


def test_cost_cap_holds_at_concurrency_16(make_llm, fake_llm, llm_taxonomy, llm_texts):
    fake_llm.set_latency(20)
    cap = 0.05
    provider = make_llm(concurrency=16, max_cost_usd=cap)
    frame = enrich_frame(llm_texts(*_texts(64)), llm_taxonomy, provider)

    assert len(frame) == 64 and set(frame["status"]) <= END_STATUSES
    spent = float(frame["cost_usd"].sum())
    assert spent <= cap, f"spent {spent:.6f} USD over the cap {cap}"
    assert provider.budget.cost_usd <= cap
    deferred = frame[frame["status"] == "deferred"]
    sent = frame[frame["status"] != "deferred"]
    assert len(deferred) > 0 and len(sent) > 10
    assert deferred["error"].str.startswith("budget: max_cost_usd=0.05").all()
    assert (deferred["cost_usd"] == 0).all() and (deferred["prompt_tokens"] == 0).all()
    assert fake_llm.calls == len(sent)
    # the cap is used, not left mostly idle: the deferred rows would not have fitted
    assert spent > cap * 0.6, f"spent only {spent:.6f} of {cap}"


def test_max_tokens_sent_on_every_request_and_scaled_for_batches(
    make_llm, fake_llm, llm_taxonomy, llm_texts
):
    texts = llm_texts("billing a", "delivery b", "login c", "billing d")
    enrich_frame(texts, llm_taxonomy, make_llm())
    single = {r.body.get("max_tokens") for r in fake_llm.requests}
    assert len(single) == 1 and None not in single
    per_text = single.pop()
    assert 200 <= per_text <= 2000  # sized to the answer schema, see prompting.max_answer_tokens

    fake_llm.reset()
    enrich_frame(texts, llm_taxonomy, make_llm(batch_size=4))
    assert [r.body.get("max_tokens") for r in fake_llm.requests] == [4 * per_text + 16]

    fake_llm.reset()
    enrich_frame(texts[:1], llm_taxonomy, make_llm(max_tokens=777))
    assert fake_llm.requests[0].body["max_tokens"] == 777
