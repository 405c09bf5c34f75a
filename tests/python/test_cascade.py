"""The cascade provider against the fake OpenAI-compatible server: only the texts the
local model is unsure about are sent, and the call counts are exact."""

from __future__ import annotations

from feedback_lakehouse.enrichment.engine import enrich_frame, make_provider
from feedback_lakehouse.enrichment.providers.cascade import CascadeProvider


def test_cascade_sends_only_unsure_texts(make_llm, fake_llm, llm_taxonomy, llm_texts) -> None:
    texts = llm_texts(
        "I was charged twice and want a refund",  # example phrase: billing, confidence 0.5
        "my delivery never arrived and it is late",  # keyword + example: delivery, 0.62
        "billing question",  # one keyword only: billing at 0.4 -> unsure -> LLM
        "hello there",  # nothing fits: unknown -> LLM (answers unknown)
    )
    local = make_provider("offline")
    provider = CascadeProvider(local, make_llm(), min_confidence=0.45)
    frame = enrich_frame(texts, llm_taxonomy, provider)
    assert fake_llm.calls == 2
    assert provider.stats.local == 2 and provider.stats.llm == 2
    assert provider.stats.calls_saved_share == 0.5
    assert set(frame["provider"]) == {"cascade"}
    sides = [r.split("]", 1)[0] for r in frame["rationale"]]
    assert sides == ["[cascade: local", "[cascade: local", "[cascade: llm", "[cascade: llm"]
    assert list(frame["main_category"]) == ["billing", "delivery", "billing", "unknown"]
    # every row carries the cascade's identity (the one in its key), whichever side answered
    assert set(frame["model"]) == {f"{local.model}>openai:fake-llm@0.45"}
    llm_version = make_llm().prompt_version(llm_taxonomy)
    assert set(frame["prompt_version"]) == {f"{local.prompt_version(llm_taxonomy)}|{llm_version}"}
    # a second run with the stored keys makes no call at all
    again = enrich_frame(texts, llm_taxonomy, provider, existing_keys=frame["enrichment_key"])
    assert again.empty and fake_llm.calls == 2


def test_threshold_one_sends_everything_and_zero_nothing_sure(
    make_llm, fake_llm, llm_taxonomy, llm_texts
) -> None:
    texts = llm_texts("charged twice", "never arrived", "hello")
    everything = CascadeProvider(make_provider("offline"), make_llm(), min_confidence=1.01)
    enrich_frame(texts, llm_taxonomy, everything)
    assert fake_llm.calls == 3
    fake_llm.reset()
    only_unknown = CascadeProvider(make_provider("offline"), make_llm(), min_confidence=0.0)
    enrich_frame(texts, llm_taxonomy, only_unknown)
    assert fake_llm.calls == 1  # "hello" is unknown locally
    assert only_unknown.model != everything.model  # the threshold is part of the key


def test_the_cascade_says_it_does_not_self_train(caplog) -> None:
    """Self-training is the offline default; the cascade's local side does not run it yet,
    and a run that asks for it (the default var) says so instead of silently using less."""
    from feedback_lakehouse.enrichment.dbt_entry import self_training_applies

    with caplog.at_level("WARNING"):
        assert self_training_applies("offline", {"offline_self_training": True}) is True
        assert not [r for r in caplog.records if "SELF-TRAINING" in r.getMessage()]
        assert self_training_applies("cascade", {"offline_self_training": True}) is False
    assert any("not run inside the cascade" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert self_training_applies("cascade", {"offline_self_training": False}) is False
    assert not caplog.records
