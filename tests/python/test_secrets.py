"""No secret is stored or printed (issue 16, item 7).

The fake OpenAI-compatible server echoes the request headers (Authorization, api-key)
in its error bodies; webhooks are sent to URLs with `user:password@`. The key must be
in none of: the stored error, the raised exception (and its chain), the log, the
delivery log table, the command's output.
"""

from __future__ import annotations

import base64
import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from feedback_devtools.fakellm import FakeLLM, Reply
from feedback_lakehouse.activation.alerts import ALERT_FIELDS
from feedback_lakehouse.cli import main
from feedback_lakehouse.enrichment.engine import enrich_frame
from feedback_lakehouse.enrichment.providers.openai.options import LLMConfigError
from feedback_lakehouse.enrichment.providers.openai.provider import OpenAICompatProvider
from feedback_lakehouse.enrichment.taxonomy import Taxonomy
from feedback_lakehouse.text.scrub import REDACTED, scrub

KEY = "sk-proj-SECRETkey0123456789abcdef"


# ---------------------------------------------------------------------------- scrub()
@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("{'Authorization': 'Bearer tok-ABCdef123456'}", "tok-ABCdef123456"),
        ('"authorization": "Bearer tok-ABCdef123456"', "tok-ABCdef123456"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ("headers {'api-key': 'azureKEY123456'}", "azureKEY123456"),
        ("x-api-key=abcDEF987654", "abcDEF987654"),
        ("proxy said: bearer abc.def.ghi-123", "abc.def.ghi-123"),
        ("POST https://bot:hunter2pass@hooks.example.com/x failed", "hunter2pass"),
        ("GET https://x.blob.core.windows.net/c?sv=2024&sig=AbC%2Fd3F&se=1", "AbC%2Fd3F"),
        ("https://api.example.com/v1?api-key=QWERTY12345&x=1", "QWERTY12345"),
        ("used sk-abcdefghijklmnop1234 today", "sk-abcdefghijklmnop1234"),
    ],
)
def test_scrub_removes_credentials_in_every_shape(text: str, secret: str) -> None:
    out = scrub(text, env={})
    assert secret not in out
    assert REDACTED in out


def test_scrub_removes_secret_environment_values_and_keeps_prose() -> None:
    env = {"MY_SERVICE_TOKEN": "plainword-secret", "PWD": "/home/dev/project", "LANG": "C"}
    text = "HTTP 400: echo plainword-secret in /home/dev/project; basic validation failed"
    out = scrub(text, env=env)
    assert "plainword-secret" not in out
    # not secrets: the working directory, ordinary words after "basic"
    assert out == f"HTTP 400: echo {REDACTED} in /home/dev/project; basic validation failed"
    assert scrub("check OPENAI_API_KEY (and OPENAI_BASE_URL)", env={}) == (
        "check OPENAI_API_KEY (and OPENAI_BASE_URL)"
    )


# ---------------------------------------------------------------------------- LLM errors
def _leaks(secret: str, *texts: object) -> list[str]:
    return [str(t)[:200] for t in texts if t is not None and secret in str(t)]


@pytest.mark.parametrize("shape", ["openai", "azure_openai"])
def test_echoed_key_is_in_no_stored_error_and_no_log_line(
    shape: str,
    fake_llm: FakeLLM,
    make_llm: Callable[..., OpenAICompatProvider],
    llm_taxonomy: Taxonomy,
    llm_texts: Callable[..., pd.DataFrame],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # the key is an option, not in the environment: only the header patterns can find it
    provider = make_llm(shape, api_key=KEY, max_retries=1)
    fake_llm.script_for("charged twice", Reply.echo_headers(400))
    fake_llm.script_for("password reset", Reply.echo_headers(503), Reply.echo_headers(503))
    texts = llm_texts("I was charged twice", "password reset loop", "delivery was late")
    with caplog.at_level(logging.DEBUG):
        frame = enrich_frame(texts, llm_taxonomy, provider)
    header = "api-key" if shape == "azure_openai" else "authorization"
    statuses = dict(zip(frame["text_hash"], frame["status"], strict=True))
    assert statuses == {"h0": "failed", "h1": "failed", "h2": "ok"}
    errors = frame["error"].dropna().tolist()
    assert len(errors) == 2
    # the error still says what happened (nothing lost but the secret)
    assert any(e.startswith("HTTP 400") for e in errors)
    assert any(e.startswith("HTTP 503") for e in errors)
    assert _leaks(KEY, *errors, caplog.text) == []
    assert all(header in e.lower() and REDACTED in e for e in errors)


@pytest.mark.parametrize(("status", "shape"), [(401, "openai"), (404, "azure_openai")])
def test_config_errors_raise_clean_without_the_sdk_error(
    status: int,
    shape: str,
    fake_llm: FakeLLM,
    make_llm: Callable[..., OpenAICompatProvider],
    llm_taxonomy: Taxonomy,
    llm_texts: Callable[..., pd.DataFrame],
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider = make_llm(shape, api_key=KEY)
    fake_llm.script(Reply.echo_headers(status))
    with caplog.at_level(logging.DEBUG), pytest.raises(LLMConfigError) as info:
        enrich_frame(llm_texts("I was charged twice"), llm_taxonomy, provider)
    err = info.value
    assert f"HTTP {status}" in str(err)
    # no chained SDK error (it carries the request and its headers) in the traceback
    assert err.__cause__ is None and err.__suppress_context__
    printed = "".join(traceback.format_exception(err))
    assert "openai." not in printed.split("LLMConfigError")[-1]
    assert _leaks(KEY, printed, caplog.text) == []


class _LeakyProvider:
    """Any provider (a third-party one too) whose error text quotes a credential."""

    name = "leaky"
    model = "m1"

    def prompt_version(self, taxonomy: Taxonomy) -> str:
        return "p1"

    def enrich(self, items, taxonomy):  # noqa: ANN001, ANN201 (the Provider protocol)
        from feedback_lakehouse.contracts import EnrichedRecord, Status

        return [
            EnrichedRecord(
                enrichment_key="k",
                text_hash=item.text_hash,
                taxonomy_version=taxonomy.version,
                prompt_version="p1",
                provider=self.name,
                model=self.model,
                enriched_at=datetime.now(timezone.utc),
                status=Status.failed,
                error=f"upstream said: Authorization: Bearer {KEY}",
            )
            for item in items
        ]


def test_engine_scrubs_the_error_column_of_any_provider(
    llm_taxonomy: Taxonomy, llm_texts: Callable[..., pd.DataFrame]
) -> None:
    frame = enrich_frame(llm_texts("a", "b"), llm_taxonomy, _LeakyProvider())
    assert frame["error"].tolist() == [f"upstream said: Authorization: {REDACTED}"] * 2


# ---------------------------------------------------------------------------- webhooks
def _alerts_db(path: Path) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute(
            f"create table main.rpt_alerts ({', '.join(f'{f} varchar' for f in ALERT_FIELDS)})"
        )
        con.execute(
            f"insert into main.rpt_alerts ({', '.join(ALERT_FIELDS)}) values "
            f"({', '.join('?' for _ in ALERT_FIELDS)})",
            [
                {"alert_id": "a1", "severity": "critical", "title": "Refunds up"}.get(f, "x")
                for f in ALERT_FIELDS
            ],
        )
    finally:
        con.close()
    return path


def test_webhook_userinfo_is_in_no_output_and_no_delivery_row(tmp_path: Path) -> None:
    db = _alerts_db(tmp_path / "warehouse.duckdb")
    password = "hookPASS-9876"
    basic = base64.b64encode(f"hookuser:{password}".encode()).decode()
    # the receiver answers 404 quoting the request headers (Authorization: Basic ...)
    with FakeLLM(echo_headers=True) as receiver:
        env = {
            "FEEDBACK_WEBHOOK_URL": f"http://hookuser:{password}@127.0.0.1:{receiver.port}/hook",
            # nothing listens on the discard port: a connection error names the URL
            "FEEDBACK_SLACK_WEBHOOK_URL": f"http://slackuser:{password}@127.0.0.1:9/services/x",
        }
        result = CliRunner().invoke(main, ["alerts", "send", "--db", str(db)], env=env)
    assert result.exit_code == 1, result.output
    assert "webhook: sent 0, failed 1" in result.output
    assert "slack: sent 0, failed 1" in result.output
    assert "127.0.0.1" in result.output  # still says where it failed
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select * from ops.alert_deliveries").fetchall()
    finally:
        con.close()
    stored = " ".join(str(v) for row in rows for v in row)
    assert len(rows) == 2 and "HTTP 404" in stored
    for secret in (password, basic, "hookuser:", "slackuser:"):
        assert _leaks(secret, result.output, stored) == [], secret
