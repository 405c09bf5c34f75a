"""LLM providers against the fake OpenAI-compatible server, through the real openai SDK.

Every scripted server behaviour, on both URL shapes where the shape matters.
"""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from llm_schema_bounds import fullest_object

from feedback_devtools.fakellm import FakeLLM, Reply
from feedback_lakehouse.enrichment.engine import enrich_frame, make_provider
from feedback_lakehouse.enrichment.prompting import enrichment_schema
from feedback_lakehouse.enrichment.providers.openai.options import LLMConfigError


def _one(frame, text_hash: str) -> dict:
    rows = frame[frame["text_hash"] == text_hash].to_dict("records")
    assert len(rows) == 1, f"expected one record for {text_hash}, got {len(rows)}"
    return rows[0]


def test_valid_answers_on_both_url_shapes(make_llm, fake_llm, llm_taxonomy, llm_texts, llm_shape):
    texts = llm_texts("I was charged twice, billing is a mess", "delivery never came", "meh")
    provider = make_llm(llm_shape, seed=7)
    frame = enrich_frame(texts, llm_taxonomy, provider)

    assert len(frame) == 3 and fake_llm.calls == 3
    assert list(frame["main_category"]) == ["billing", "delivery", "unknown"]
    # answered: stored ok; the model's flag and the unknown category are the evidence
    assert list(frame["status"]) == ["ok", "ok", "ok"]
    assert list(frame["suggested_owner"][:2]) == ["finance", "logistics"]
    assert (frame["prompt_tokens"] > 0).all() and (frame["completion_tokens"] > 0).all()
    assert (frame["latency_ms"] > 0).all() and (frame["cost_usd"] > 0).all()
    assert frame["prompt_version"].str.match(r"^classify_v2\+[0-9a-f]{12}$").all()
    assert set(frame["provider"]) == {llm_shape} and set(frame["model"]) == {"fake-llm"}

    request = fake_llm.requests[0]
    if llm_shape == "openai":
        assert request.path == "/v1/chat/completions"
    else:
        assert request.path == "/openai/deployments/fake-llm/chat/completions"
        assert request.query["api-version"] == ["2024-10-21"]
    body = request.body
    assert body["temperature"] == 0 and body["seed"] == 7
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["additionalProperties"] is False


def test_schema_valid_answer_at_every_limit_is_ok(
    make_llm, fake_llm, llm_taxonomy, llm_texts, llm_shape
):
    """Issue 16 item 2: a server that answers schema-valid JSON (every string at its
    longest, numbers at their maximum, arrays full) gets `ok`, in one call."""
    schema = enrichment_schema(llm_taxonomy)
    answer = {**fullest_object(schema), "main_category": "billing", "needs_review": False}
    fake_llm.script(Reply.raw(json.dumps(answer, ensure_ascii=False)))
    frame = enrich_frame(llm_texts("billing problem"), llm_taxonomy, make_llm(llm_shape))
    row = _one(frame, "h0")
    assert row["status"] == "ok", row["error"]
    assert fake_llm.calls == 1
    sent = fake_llm.requests[0].body["response_format"]["json_schema"]["schema"]
    assert sent == schema
    for field in ("language", "short_summary", "rationale", "root_cause_guess"):
        assert row[field] == answer[field].strip() and len(answer[field]) > 10
    assert row["confidence"] == 1.0 and row["sentiment_intensity"] == 1.0


def test_invalid_category_becomes_unknown_needs_review(make_llm, fake_llm, llm_taxonomy, llm_texts):
    fake_llm.script(Reply.invalid_category("teleportation"))
    frame = enrich_frame(llm_texts("billing problem"), llm_taxonomy, make_llm())
    row = _one(frame, "h0")
    assert row["main_category"] == "unknown"
    # evidence only: int_feedback__status sends it to review (unknown_category)
    assert row["status"] == "ok" and row["review_signals"] == "label_coerced"
    assert "teleportation" in row["rationale"] and fake_llm.calls == 1


def test_malformed_json_is_repaired(make_llm, fake_llm, llm_taxonomy, llm_texts):
    fake_llm.script(Reply.malformed())
    frame = enrich_frame(llm_texts("billing problem"), llm_taxonomy, make_llm())
    row = _one(frame, "h0")
    assert row["status"] == "ok" and row["main_category"] == "billing"
    assert fake_llm.calls == 2
    repair = fake_llm.requests[1].body["messages"]
    assert repair[-2]["role"] == "assistant" and "not valid JSON" in repair[-1]["content"]
    assert row["prompt_tokens"] > 0 and row["error"] is None


def test_schema_invalid_is_repaired(make_llm, fake_llm, llm_taxonomy, llm_texts):
    fake_llm.script(Reply.schema_invalid())
    frame = enrich_frame(llm_texts("billing problem"), llm_taxonomy, make_llm())
    assert _one(frame, "h0")["status"] == "ok" and fake_llm.calls == 2
    assert "sentiment" in fake_llm.requests[1].body["messages"][-1]["content"]


def test_malformed_beyond_repairs_fails_the_row_only(make_llm, fake_llm, llm_taxonomy, llm_texts):
    fake_llm.script_for("broken-json", *[Reply.malformed("{nope")] * 3)
    texts = llm_texts("billing text", "broken-json delivery text", "login text")
    frame = enrich_frame(texts, llm_taxonomy, make_llm(repair_attempts=2))
    assert len(frame) == 3
    bad = _one(frame, "h1")
    assert bad["status"] == "failed" and pd.isna(bad["main_category"])
    assert "invalid output after 2 repair attempt(s)" in bad["error"]
    assert list(frame["status"]) == ["ok", "failed", "ok"]
    assert fake_llm.calls == 1 + 3 + 1


def test_429_honours_retry_after(make_llm, fake_llm, llm_taxonomy, llm_texts, llm_shape):
    fake_llm.script(Reply.rate_limited(retry_after=1))
    started = time.monotonic()
    frame = enrich_frame(llm_texts("billing"), llm_taxonomy, make_llm(llm_shape))
    elapsed = time.monotonic() - started
    assert _one(frame, "h0")["status"] == "ok" and fake_llm.calls == 2
    assert elapsed >= 0.9, "Retry-After: 1 was not honoured"


def test_500_is_retried_then_fails_after_max_retries(make_llm, fake_llm, llm_taxonomy, llm_texts):
    fake_llm.script(Reply.server_error(500))
    frame = enrich_frame(llm_texts("billing"), llm_taxonomy, make_llm())
    assert _one(frame, "h0")["status"] == "ok" and fake_llm.calls == 2

    fake_llm.reset()
    fake_llm.script(*[Reply.server_error(503)] * 3)
    frame = enrich_frame(llm_texts("billing"), llm_taxonomy, make_llm(max_retries=2))
    row = _one(frame, "h0")
    assert row["status"] == "failed" and row["error"].startswith("HTTP 503 after 2 retries")
    assert fake_llm.calls == 3


def test_reply_slower_than_timeout_is_retried(make_llm, fake_llm, llm_taxonomy, llm_texts):
    fake_llm.script(Reply.slow(1.5))
    frame = enrich_frame(llm_texts("delivery"), llm_taxonomy, make_llm(timeout_s=0.4))
    assert _one(frame, "h0")["status"] == "ok" and fake_llm.calls == 2

    fake_llm.reset()
    fake_llm.script(Reply.slow(1.5), Reply.slow(1.5))
    frame = enrich_frame(
        llm_texts("delivery"), llm_taxonomy, make_llm(timeout_s=0.4, max_retries=1)
    )
    row = _one(frame, "h0")
    assert row["status"] == "failed" and row["error"].startswith("timeout after 0.4s")


def test_content_filter_400_fails_the_row(make_llm, fake_llm, llm_taxonomy, llm_texts, llm_shape):
    fake_llm.script_for("violent", Reply.content_filter())
    texts = llm_texts("billing fine", "violent delivery text", "login ok")
    frame = enrich_frame(texts, llm_taxonomy, make_llm(llm_shape))
    assert list(frame["status"]) == ["ok", "failed", "ok"]
    assert _one(frame, "h1")["error"].startswith("content_filter")
    assert fake_llm.calls == 3  # a filtered prompt is not retried


def test_refusal_and_filtered_finish_fail_the_row(make_llm, fake_llm, llm_taxonomy, llm_texts):
    fake_llm.script(Reply.refusal("I can't help with that."), Reply.filtered_finish())
    frame = enrich_frame(llm_texts("billing a", "billing b", "billing c"), llm_taxonomy, make_llm())
    assert list(frame["status"]) == ["failed", "failed", "ok"]
    assert _one(frame, "h0")["error"] == "refusal: I can't help with that."
    assert _one(frame, "h1")["error"].startswith("content_filter")
    assert fake_llm.calls == 3


def test_json_schema_unsupported_falls_back_once(make_llm, llm_taxonomy, llm_texts, llm_shape):
    with FakeLLM(reject_json_schema=True) as server:
        options = (
            {"base_url": server.base_url}
            if llm_shape == "openai"
            else {"azure_endpoint": server.endpoint}
        )
        provider = make_llm(llm_shape, concurrency=4, **options)
        texts = llm_texts(*[f"billing {i}" for i in range(6)])
        frame = enrich_frame(texts, llm_taxonomy, provider)
        assert (frame["status"] == "ok").all() and len(frame) == 6
        kinds = [r.body["response_format"]["type"] for r in server.requests]
        assert kinds == ["json_schema"] + ["json_object"] * 6
        assert server.requests[1].body["response_format"]["schema"]["type"] == "object"
        assert provider.response_format_mode == "json_object"


def test_response_format_mode_is_settable(make_llm, llm_taxonomy, llm_texts):
    with FakeLLM(reject_json_schema=True) as server:
        strict = make_llm(base_url=server.base_url, response_format_mode="json_schema")
        frame = enrich_frame(llm_texts("billing"), llm_taxonomy, strict)
        row = _one(frame, "h0")
        assert row["status"] == "failed" and "response_format_mode" in row["error"]

        server.reset()
        plain = make_llm(base_url=server.base_url, response_format_mode="json_object")
        frame = enrich_frame(llm_texts("billing"), llm_taxonomy, plain)
        assert _one(frame, "h0")["status"] == "ok"
        assert [r.body["response_format"]["type"] for r in server.requests] == ["json_object"]


def test_bad_credentials_stop_the_run_with_a_hint(make_llm, fake_llm, llm_taxonomy, llm_texts):
    fake_llm.script(Reply.server_error(401, "Incorrect API key provided"))
    with pytest.raises(LLMConfigError, match="OPENAI_API_KEY"):
        enrich_frame(llm_texts("billing"), llm_taxonomy, make_llm(api_key="sk-very-secret"))


def test_missing_configuration_names_env_vars_and_hides_keys(llm_env):
    with pytest.raises(LLMConfigError, match="OPENAI_API_KEY") as err:
        make_provider("openai")
    assert "llm_model" in str(err.value)

    llm_env.setenv("AZURE_OPENAI_API_KEY", "sk-very-secret")
    with pytest.raises(LLMConfigError) as err:
        make_provider("azure_openai")
    message = str(err.value)
    for env in ("AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION", "AZURE_OPENAI_DEPLOYMENT"):
        assert env in message
    assert "sk-very-secret" not in message

    with pytest.raises(LLMConfigError, match="concurrency"):
        make_provider("openai", model="m", api_key="k", concurrency=0)
    with pytest.raises(LLMConfigError, match="price"):
        make_provider("openai", model="unpriced", api_key="k", max_cost_usd=1.0)


def test_configuration_from_environment(fake_llm, llm_env, llm_taxonomy, llm_texts):
    llm_env.setenv("OPENAI_BASE_URL", fake_llm.base_url)
    llm_env.setenv("OPENAI_API_KEY", "env-key")
    frame = enrich_frame(llm_texts("billing"), llm_taxonomy, make_provider("openai", model="m1"))
    assert _one(frame, "h0")["model"] == "m1"

    llm_env.setenv("AZURE_OPENAI_ENDPOINT", fake_llm.endpoint)
    llm_env.setenv("AZURE_OPENAI_API_KEY", "env-key")
    llm_env.setenv("OPENAI_API_VERSION", "2024-10-21")
    llm_env.setenv("AZURE_OPENAI_DEPLOYMENT", "prod-gpt")
    frame = enrich_frame(llm_texts("billing"), llm_taxonomy, make_provider("azure_openai"))
    assert _one(frame, "h0")["model"] == "prod-gpt"
    assert fake_llm.requests[-1].path == "/openai/deployments/prod-gpt/chat/completions"
    assert fake_llm.requests[-1].query["api-version"] == ["2024-10-21"]


def test_azure_entra_id_token_provider(make_llm, fake_llm, llm_taxonomy, llm_texts):
    calls: list[int] = []

    def token() -> str:
        calls.append(1)
        return "entra-token"

    provider = make_llm("azure_openai", api_key=None, azure_ad_token_provider=token)
    frame = enrich_frame(llm_texts("login"), llm_taxonomy, provider)
    assert _one(frame, "h0")["status"] == "ok" and calls


def test_azure_without_key_needs_azure_identity(fake_llm, llm_env):
    try:
        import azure.identity  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("azure-identity is installed here")
    with pytest.raises(LLMConfigError, match="azure-identity"):
        make_provider(
            "azure_openai",
            azure_endpoint=fake_llm.endpoint,
            api_version="2024-10-21",
            deployment="d",
        )


def test_no_planted_pii_leaves_the_machine(make_llm, fake_llm, llm_taxonomy, llm_texts, llm_shape):
    planted = {
        "jane.doe@example.com": "<EMAIL>",
        "+44 20 7946 0958": "<PHONE>",
        "ORD-884213": "<ORDER_ID>",
        "4111 1111 1111 1111": "<CARD>",
        "DE89 3704 0044 0532 0130 00": "<IBAN>",
        "John Smith": "<NAME>",
    }
    texts = llm_texts(
        "Hi, I'm John Smith. billing charged card 4111 1111 1111 1111 twice",
        "delivery for ORD-884213 late, call +44 20 7946 0958 or jane.doe@example.com",
        "refund to DE89 3704 0044 0532 0130 00 please, billing. Regards, Jane",
    )
    for batch_size in (1, 3):
        enrich_frame(texts, llm_taxonomy, make_llm(llm_shape, batch_size=batch_size))
    bodies = fake_llm.bodies_text()
    assert fake_llm.calls == 4
    for secret, token in planted.items():
        assert secret not in bodies and token in bodies
    assert "Jane" not in json.dumps([r.body["messages"][-1] for r in fake_llm.requests])


def test_options_as_dbt_passes_them(fake_llm, llm_env, llm_taxonomy, llm_texts):
    """dbt vars arrive as strings, unset ones as '' or None; prices as the seed frame."""
    from pathlib import Path

    from feedback_lakehouse.enrichment.budget import load_prices

    seed = Path(__file__).resolve().parents[2] / "seeds" / "reference" / "model_prices.csv"
    prices = pd.read_csv(seed)
    assert "fake-llm" in load_prices(seed)
    provider = make_provider(
        "openai",
        model="fake-llm",
        base_url=fake_llm.base_url,
        api_key="k",
        concurrency="2",
        batch_size="1",
        max_calls="",
        seed=None,
        cache_path="",
        prices=prices,
    )
    frame = enrich_frame(llm_texts("billing"), llm_taxonomy, provider)
    assert _one(frame, "h0")["cost_usd"] > 0 and provider.options.concurrency == 2
