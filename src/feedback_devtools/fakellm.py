"""A fake OpenAI-compatible chat-completions server, for tests, benchmarks and demos.

A real HTTP server (stdlib `ThreadingHTTPServer` on 127.0.0.1) that the real `openai`
SDK talks to, on both URL shapes:

- `POST /v1/chat/completions` (OpenAI, vLLM, Ollama, llama.cpp's server)
- `POST /openai/deployments/{deployment}/chat/completions?api-version=...` (Azure)

By default it answers a valid classification derived from the text: the first category
(from the enum in the request's response schema) whose id appears in the text, else
`unknown`. Scripted replies (`Reply.*`) can be queued for the next requests
(`script`) or for requests whose body contains a given string (`script_for`).
With `echo_headers=True` every error answer quotes the request's headers, credentials
included (what some proxies and local servers do), and `Reply.echo_headers()` scripts
one such error: tests check that no secret is stored or printed. A fault storm
(`storm`) answers a share of the other requests with 429s, 5xx, connection resets and
replies slower than the client's timeout, until `heal()`; `faults`, `fault_counts` and
`answered` count what it did. Every request is recorded (path, query, headers without
credentials, body) so tests can
count calls and check that no personal data left.

    with FakeLLM(latency_ms=200) as server:
        client = OpenAI(base_url=server.base_url, api_key="test")

Run by hand: `python -m feedback_devtools.fakellm --port 8089 --latency-ms 200`.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import socket
import struct
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger("feedback_devtools.fakellm")

_AZURE_PATH = re.compile(r"^/openai/deployments/(?P<deployment>[^/]+)/chat/completions$")
_PLAIN_PATHS = ("/v1/chat/completions", "/chat/completions")
_HIDDEN_HEADERS = frozenset({"authorization", "api-key"})

_NEGATIVE = ("broken", "terrible", "awful", "bad", "refund", "angry", "crash", "never", "worst")
_POSITIVE = ("love", "great", "excellent", "thanks", "amazing", "perfect", "happy")


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with the class methods."""

    kind: str
    status: int = 200
    category: str | None = None
    content: str | None = None
    retry_after: float | None = None
    delay_s: float = 0.0
    message: str | None = None
    item_index: int | None = None
    fault: str | None = None  # set on replies a storm injected: rate_limit, server_error, ...

    @classmethod
    def valid(cls, category: str | None = None) -> Reply:
        """A valid answer (the default classification, or this category)."""
        return cls("valid", category=category)

    @classmethod
    def invalid_category(cls, category: str = "teleportation") -> Reply:
        """Valid JSON whose main category is not in the taxonomy."""
        return cls("valid", category=category)

    @classmethod
    def raw(cls, content: str) -> Reply:
        """A 200 answer with exactly this content (e.g. a hand-built JSON answer)."""
        return cls("raw_content", content=content)

    @classmethod
    def malformed(cls, content: str = '{"main_category": "billing", "sentiment": ') -> Reply:
        """A 200 answer whose content is not valid JSON."""
        return cls("raw_content", content=content)

    @classmethod
    def schema_invalid(cls) -> Reply:
        """Valid JSON that breaks the schema (a sentiment that does not exist)."""
        return cls("schema_invalid")

    @classmethod
    def rate_limited(cls, retry_after: float = 1.0) -> Reply:
        return cls("http_error", status=429, retry_after=retry_after, message="Rate limit reached")

    @classmethod
    def server_error(cls, status: int = 500, message: str = "Internal server error") -> Reply:
        return cls("http_error", status=status, message=message)

    @classmethod
    def slow(cls, seconds: float) -> Reply:
        """Wait `seconds` before answering validly (beyond the client's timeout)."""
        return cls("valid", delay_s=seconds)

    @classmethod
    def reset(cls) -> Reply:
        """Close the connection without answering (TCP reset): a connection error."""
        return cls("reset")

    @classmethod
    def content_filter(cls) -> Reply:
        """Azure's HTTP 400 for a prompt its content filter blocked."""
        return cls("content_filter", status=400)

    @classmethod
    def filtered_finish(cls) -> Reply:
        """A 200 answer cut by the content filter (finish_reason content_filter)."""
        return cls("filtered_finish")

    @classmethod
    def refusal(cls, message: str = "I'm sorry, I can't help with that.") -> Reply:
        return cls("refusal", message=message)

    @classmethod
    def echo_headers(cls, status: int = 400) -> Reply:
        """An HTTP error whose message quotes every request header, credentials included."""
        return cls("echo_headers", status=status, message="bad request")

    @classmethod
    def batch_missing(cls, index: int) -> Reply:
        """A batch answer without its item at `index` (0-based)."""
        return cls("batch_missing", item_index=index)

    @classmethod
    def batch_bad_item(cls, index: int) -> Reply:
        """A batch answer whose item at `index` breaks the schema."""
        return cls("batch_bad_item", item_index=index)


@dataclass
class RecordedRequest:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: dict[str, Any]
    raw_body: str
    deployment: str | None = None


@dataclass
class _State:
    latency_s: float
    reject_json_schema: bool
    default_category: str | None
    model: str
    echo_headers: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    queue: deque[Reply] = field(default_factory=deque)
    rules: list[tuple[str, deque[Reply]]] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    # system messages seen: a later request starting with one reports it as cached
    # prompt tokens, like a provider's prompt cache
    prefixes: set[str] = field(default_factory=set)
    storm: _Storm | None = None
    fault_counts: dict[str, int] = field(default_factory=dict)
    answered: int = 0


@dataclass
class _Storm:
    """Shares of requests (with no scripted reply) answered with a fault."""

    rate_limit: float
    server_error: float
    reset: float
    timeout: float
    rng: random.Random
    retry_after_s: float
    timeout_delay_s: float

    def draw(self) -> Reply | None:
        roll = self.rng.random()
        for kind, share in (
            ("rate_limit", self.rate_limit),
            ("server_error", self.server_error),
            ("reset", self.reset),
            ("timeout", self.timeout),
        ):
            if roll < share:
                return self._reply(kind)
            roll -= share
        return None

    def _reply(self, kind: str) -> Reply:
        if kind == "rate_limit":
            return Reply(
                "http_error",
                status=429,
                retry_after=self.retry_after_s,
                message="Rate limit reached",
                fault=kind,
            )
        if kind == "server_error":
            status = self.rng.choice((500, 502, 503))
            return Reply("http_error", status=status, message="Server overloaded", fault=kind)
        if kind == "reset":
            return Reply("reset", fault=kind)
        return Reply("valid", delay_s=self.timeout_delay_s, fault=kind)


class FakeLLM:
    """The fake server. Start with `start()` or use it as a context manager."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0.0,
        reject_json_schema: bool = False,
        default_category: str | None = None,
        model: str = "fake-llm",
        echo_headers: bool = False,
    ):
        self._state = _State(
            latency_s=latency_ms / 1000.0,
            reject_json_schema=reject_json_schema,
            default_category=default_category,
            model=model,
            echo_headers=echo_headers,
        )
        self._server = _Server((host, port), _Handler)
        self._server.state = self._state
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeLLM:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fakellm",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses -----------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """Root URL: the Azure endpoint (`AZURE_OPENAI_ENDPOINT`)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL (`OPENAI_BASE_URL`)."""
        return f"{self.endpoint}/v1"

    # scripting -----------------------------------------------------------------------
    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests, in order (after matching rules)."""
        with self._state.lock:
            self._state.queue.extend(replies)

    def script_for(self, needle: str, *replies: Reply) -> None:
        """Queue replies for requests whose body contains `needle`."""
        with self._state.lock:
            self._state.rules.append((needle, deque(replies)))

    def storm(
        self,
        *,
        rate_limit: float = 0.0,
        server_error: float = 0.0,
        reset: float = 0.0,
        timeout: float = 0.0,
        seed: int | None = None,
        retry_after_s: float = 0.05,
        timeout_delay_s: float = 2.0,
    ) -> None:
        """From now on answer these shares of requests (those with no scripted reply)
        with a fault: HTTP 429 (with `Retry-After: retry_after_s`), HTTP 500/502/503, a
        connection reset, or a valid answer after `timeout_delay_s` (set the client's
        timeout below it). `seed` makes the draws repeatable."""
        shares = {
            "rate_limit": rate_limit,
            "server_error": server_error,
            "reset": reset,
            "timeout": timeout,
        }
        if any(share < 0 for share in shares.values()) or sum(shares.values()) > 1:
            raise ValueError(f"storm shares must be >= 0 and add up to at most 1: {shares}")
        with self._state.lock:
            self._state.storm = _Storm(
                **shares,
                rng=random.Random(seed),
                retry_after_s=retry_after_s,
                timeout_delay_s=timeout_delay_s,
            )

    def heal(self) -> None:
        """End the storm (the counts are kept)."""
        with self._state.lock:
            self._state.storm = None

    def set_latency(self, latency_ms: float) -> None:
        self._state.latency_s = latency_ms / 1000.0

    def reset(self) -> None:
        """Forget recorded requests and scripted replies."""
        with self._state.lock:
            self._state.queue.clear()
            self._state.rules.clear()
            self._state.requests.clear()
            self._state.prefixes.clear()
            self._state.fault_counts.clear()
            self._state.answered = 0

    # inspection ----------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def calls(self) -> int:
        return len(self.requests)

    @property
    def fault_counts(self) -> dict[str, int]:
        """Faults a storm injected, by kind (rate_limit, server_error, reset, timeout)."""
        with self._state.lock:
            return dict(self._state.fault_counts)

    @property
    def faults(self) -> int:
        return sum(self.fault_counts.values())

    @property
    def answered(self) -> int:
        """Requests answered HTTP 200, not counting a storm's too-slow answers."""
        with self._state.lock:
            return self._state.answered

    def bodies_text(self) -> str:
        """Every recorded request body, concatenated (for PII assertions)."""
        return "\n".join(r.raw_body for r in self.requests)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    state: _State


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes: without TCP_NODELAY, Nagle + delayed ACK add
    # ~40 ms to every answer, which would distort benchmarks.
    disable_nagle_algorithm = True
    server: _Server
    _echo: dict[str, str]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        logger.debug("fakellm: " + format, *args)

    def do_POST(self) -> None:  # noqa: N802 (stdlib name)
        state = self.server.state
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        azure = _AZURE_PATH.match(url.path)
        self._echo = dict(self.headers.items())  # every header, credentials included
        if not azure and url.path not in _PLAIN_PATHS:
            self._send(404, {"error": {"message": f"no route {url.path}", "code": "NotFound"}})
            return
        if azure and "api-version" not in query:
            self._send(400, {"error": {"message": "api-version is required", "code": "400"}})
            return
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            self._send(400, {"error": {"message": "body is not JSON", "type": "invalid_request"}})
            return
        headers = {
            k.lower(): v for k, v in self.headers.items() if k.lower() not in _HIDDEN_HEADERS
        }
        with state.lock:
            state.requests.append(
                RecordedRequest(
                    path=url.path,
                    query=query,
                    headers=headers,
                    body=body,
                    raw_body=raw,
                    deployment=azure.group("deployment") if azure else None,
                )
            )
            reply = _next_reply(state, raw)
            if reply is not None and reply.fault:
                state.fault_counts[reply.fault] = state.fault_counts.get(reply.fault, 0) + 1
        if reply is not None and reply.kind == "reset":
            # SO_LINGER 0: closing sends a TCP reset instead of an orderly goodbye
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        delay = state.latency_s + (reply.delay_s if reply else 0.0)
        if delay > 0:
            time.sleep(delay)
        status, payload, extra = _answer(state, body, reply, self._echo)
        if status == 200 and not (reply is not None and reply.fault):
            with state.lock:
                state.answered += 1
        try:
            self._send(status, payload, extra)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("fakellm: client went away (timeout?)")

    def _send(self, status: int, payload: dict[str, Any], extra: dict[str, str] | None = None):
        error = payload.get("error")
        if self.server.state.echo_headers and status >= 400 and isinstance(error, dict):
            error["message"] = f"{error.get('message')}; request headers: {self._echo}"
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


def _next_reply(state: _State, raw: str) -> Reply | None:
    for needle, replies in state.rules:
        if replies and needle in raw:
            return replies.popleft()
    if state.queue:
        return state.queue.popleft()
    return state.storm.draw() if state.storm is not None else None


def _schema_of(body: dict[str, Any]) -> dict[str, Any]:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema") or {}
    return fmt.get("schema") or {}


def _categories(schema: dict[str, Any]) -> list[str]:
    props = schema.get("properties", {})
    if "items" in props and "main_category" not in props:
        props = props["items"].get("items", {}).get("properties", {})
    enum = props.get("main_category", {}).get("enum") or []
    return [c for c in enum if c != "unknown"]


def _user_text(body: dict[str, Any]) -> str:
    # The first user message carries the text(s); later ones are repair requests.
    for message in body.get("messages") or []:
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(str(part.get("text", "")) for part in content)
            return str(content or "")
    return ""


def _sentiment_of(lowered: str) -> str:
    negative = any(word in lowered for word in _NEGATIVE)
    positive = any(word in lowered for word in _POSITIVE)
    if negative and positive:
        return "mixed"
    return "negative" if negative else ("positive" if positive else "neutral")


def classify(text: str, categories: list[str], fixed: str | None = None) -> dict[str, Any]:
    """The fake's deterministic answer for one text (keyword match on category ids)."""
    lowered = text.lower()
    named = [c for c in categories if c in lowered or c.replace("_", " ") in lowered]
    category = fixed
    if category is None:
        category = named[0] if named else "unknown"
    secondary = [c for c in named if c != category][:3]
    sentiment = _sentiment_of(lowered)
    # each category's own sentiment: that of the clauses naming it (split at ". ", "; "
    # and " but "); the main category without a clause of its own takes the overall one
    clauses = re.split(r"[.;!?]\s+| but ", lowered)
    aspects = [{"category": category, "sentiment": sentiment}]
    for other in secondary:
        own = [c for c in clauses if other in c or other.replace("_", " ") in c]
        aspects.append({"category": other, "sentiment": _sentiment_of(" ".join(own))})
    if secondary:
        own = [c for c in clauses if category in c or category.replace("_", " ") in c]
        aspects[0]["sentiment"] = _sentiment_of(" ".join(own)) if own else sentiment
    known = category != "unknown"
    return {
        "main_category": category,
        "secondary_categories": secondary,
        "category_sentiments": aspects,
        "sentiment": sentiment,
        "sentiment_intensity": 0.7 if sentiment != "neutral" else 0.2,
        "urgency": "high" if "urgent" in lowered or "crash" in lowered else "medium",
        "root_cause_guess": None,
        "suggested_owner": None,
        "short_summary": f"Feedback about {category}.",
        "rationale": f"Mentions '{category}'." if known else "No category word found.",
        "confidence": 0.9 if known else 0.3,
        "needs_review": not known,
        "language": "en",
    }


def _error(message: str, type_: str, code: str | int | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def _completion(
    state: _State,
    body: dict[str, Any],
    content: str | None,
    *,
    refusal: str | None = None,
    finish_reason: str = "stop",
) -> dict[str, Any]:
    """A chat completion with usage: 4 characters a token; a system message seen
    before counts as cached prompt tokens; `max_tokens` cuts the answer
    (finish_reason length), as real servers do."""
    messages = body.get("messages") or []
    prompt_chars = sum(len(str(m.get("content") or "")) for m in messages)
    completion_tokens = max(1, len(content or refusal or "") // 4)
    prompt_tokens = max(1, prompt_chars // 4)
    limit = body.get("max_tokens")
    if isinstance(limit, int) and content is not None and completion_tokens > limit:
        content, completion_tokens, finish_reason = content[: limit * 4], limit, "length"
    cached_tokens = 0
    first = messages[0] if messages else {}
    if first.get("role") == "system" and isinstance(first.get("content"), str):
        with state.lock:
            if first["content"] in state.prefixes:
                cached_tokens = len(first["content"]) // 4
            state.prefixes.add(first["content"])
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model") or state.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached_tokens},
        },
    }


def _answer(
    state: _State,
    body: dict[str, Any],
    reply: Reply | None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    fmt_type = (body.get("response_format") or {}).get("type")
    if state.reject_json_schema and fmt_type == "json_schema":
        # What llama.cpp's server does with an OpenAI json_schema response format.
        return (
            500,
            _error(
                "Unsupported response_format type 'json_schema'; use 'json_object' with a 'schema'",
                "server_error",
                500,
            ),
            None,
        )
    kind = reply.kind if reply else "valid"
    if kind == "http_error" and reply is not None:
        extra = None
        if reply.retry_after is not None:
            extra = {"Retry-After": f"{reply.retry_after:g}"}
        type_ = "rate_limit_error" if reply.status == 429 else "server_error"
        code = "rate_limit_exceeded" if reply.status == 429 else None
        return reply.status, _error(reply.message or "error", type_, code), extra
    if kind == "echo_headers" and reply is not None:
        message = f"{reply.message}; request headers: {headers or {}}"
        return reply.status, _error(message, "invalid_request_error", None), None
    if kind == "content_filter":
        payload = _error(
            "The response was filtered due to the prompt triggering Azure OpenAI's content "
            "management policy. Please modify your prompt and retry.",
            "invalid_request_error",
            "content_filter",
        )
        payload["error"]["param"] = "prompt"
        payload["error"]["status"] = 400
        payload["error"]["innererror"] = {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_result": {
                "hate": {"filtered": False, "severity": "safe"},
                "violence": {"filtered": True, "severity": "high"},
            },
        }
        return 400, payload, None
    if kind == "refusal" and reply is not None:
        return 200, _completion(state, body, None, refusal=reply.message), None
    if kind == "filtered_finish":
        return 200, _completion(state, body, None, finish_reason="content_filter"), None
    if kind == "raw_content" and reply is not None:
        return 200, _completion(state, body, reply.content), None

    schema = _schema_of(body)
    categories = _categories(schema)
    fixed = reply.category if reply and reply.category else state.default_category
    text = _user_text(body)
    is_batch = "items" in schema.get("properties", {})
    if not is_batch:
        answer = classify(text, categories, fixed)
        if kind == "schema_invalid":
            answer["sentiment"] = "furious"
        return 200, _completion(state, body, json.dumps(answer)), None
    try:
        items = json.loads(text).get("items", [])
    except (json.JSONDecodeError, AttributeError):
        items = []
    answers = []
    for index, item in enumerate(items):
        if kind == "batch_missing" and reply is not None and index == reply.item_index:
            continue
        answer = {
            "id": str(item.get("id")),
            **classify(str(item.get("text", "")), categories, fixed),
        }
        bad_item = kind == "batch_bad_item" and reply is not None and index == reply.item_index
        if bad_item or kind == "schema_invalid":
            answer["sentiment"] = "furious"
        answers.append(answer)
    return 200, _completion(state, body, json.dumps({"items": answers})), None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible chat server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument(
        "--reject-json-schema",
        action="store_true",
        help="answer HTTP 500 to json_schema, like llama.cpp's server",
    )
    parser.add_argument("--category", default=None, help="always answer this main category")
    parser.add_argument(
        "--echo-headers",
        action="store_true",
        help="quote the request headers (credentials included) in every error answer",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    server = FakeLLM(
        host=args.host,
        port=args.port,
        latency_ms=args.latency_ms,
        reject_json_schema=args.reject_json_schema,
        default_category=args.category,
        echo_headers=args.echo_headers,
    )
    logger.info(
        "fake LLM on %s (OPENAI_BASE_URL) and %s (AZURE_OPENAI_ENDPOINT); Ctrl-C stops",
        server.base_url,
        server.endpoint,
    )
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        server._server.server_close()


if __name__ == "__main__":
    main()
