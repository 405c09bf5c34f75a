"""The fake OpenAI-compatible server itself: routes, recording, and its command line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import openai
import pytest

from feedback_devtools.fakellm import FakeLLM


def _post(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_routes_and_recording(fake_llm):
    body = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
    status, answer = _post(f"{fake_llm.base_url}/chat/completions", body, {"api-key": "secret"})
    assert status == 200 and answer["object"] == "chat.completion"
    assert answer["choices"][0]["message"]["role"] == "assistant"
    assert answer["usage"]["total_tokens"] > 0

    azure = f"{fake_llm.endpoint}/openai/deployments/dep/chat/completions"
    assert _post(azure, body)[0] == 400  # api-version is required, as on Azure
    assert _post(f"{azure}?api-version=2024-10-21", body)[0] == 200
    assert _post(f"{fake_llm.endpoint}/v2/elsewhere", body)[0] == 404

    recorded = fake_llm.requests
    # rejected requests (no api-version, unknown route) are not chat calls: not recorded
    assert [r.path for r in recorded] == [
        "/v1/chat/completions",
        "/openai/deployments/dep/chat/completions",
    ]
    assert recorded[1].deployment == "dep" and recorded[1].query["api-version"] == ["2024-10-21"]
    assert all("api-key" not in r.headers and "authorization" not in r.headers for r in recorded)


def test_fixed_latency(fake_llm):
    client = openai.OpenAI(base_url=fake_llm.base_url, api_key="x", max_retries=0)
    fake_llm.set_latency(150)
    started = time.monotonic()
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert time.monotonic() - started >= 0.15


def test_command_line_server():
    process = subprocess.Popen(
        [sys.executable, "-m", "feedback_devtools.fakellm", "--port", "0", "--latency-ms", "1"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/v1)", line)
        assert match, f"no URL in the server's first log line: {line!r}"
        client = openai.OpenAI(base_url=match.group(1), api_key="x", max_retries=0, timeout=5)
        reply = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
        assert reply.choices[0].finish_reason == "stop"
    finally:
        process.terminate()
        process.wait(timeout=5)


@pytest.mark.parametrize("port", [0])
def test_context_manager_frees_the_port(port):
    with FakeLLM(port=port) as server:
        bound = server.port
    with FakeLLM(port=bound):
        pass
