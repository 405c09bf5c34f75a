"""One request to an OpenAI-compatible endpoint: the response format (with the one-time
`json_schema` -> `json_object` fallback), `max_tokens`, the worst-case cost reserved
before sending, and how each SDK error ends the row (`RowEnd`) or stops the run
(`LLMConfigError`). `OpenAICompatProvider` (provider.py) is built on it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import openai

from feedback_lakehouse.contracts import Status
from feedback_lakehouse.enrichment.budget import Budget, Price, prompt_token_bound
from feedback_lakehouse.enrichment.prompting import BATCH_ANSWER_OVERHEAD_TOKENS, RenderedPrompt
from feedback_lakehouse.enrichment.providers.openai.answers import (
    error_text,
    is_content_filter,
    probe_wait,
    rejects_json_schema,
    retries_made,
)
from feedback_lakehouse.enrichment.providers.openai.options import LLMConfigError, LLMOptions
from feedback_lakehouse.enrichment.providers.openai.rows import Reply, RowEnd, Usage
from feedback_lakehouse.text.scrub import scrub

logger = logging.getLogger("feedback_lakehouse.llm")


class Requests:
    """The request side of the LLM providers; subclasses set the attributes below."""

    name: str
    client: openai.OpenAI
    model: str
    options: LLMOptions
    budget: Budget
    price: Price | None
    _mode_lock: threading.Lock
    _fell_back: bool
    _mode_known: bool

    @property
    def response_format_mode(self) -> str:
        """The mode requests use now (auto resolves to json_schema until a fallback)."""
        if self.options.response_format_mode == "json_object" or self._fell_back:
            return "json_object"
        return "json_schema"

    def _response_format(self, prompt: RenderedPrompt) -> dict[str, Any]:
        if self.response_format_mode == "json_object":
            return {"type": "json_object", "schema": prompt.schema}
        return {
            "type": "json_schema",
            "json_schema": {"name": prompt.schema_name, "strict": True, "schema": prompt.schema},
        }

    def _max_tokens(self, prompt: RenderedPrompt, n_items: int) -> int:
        """Completion tokens a request may use: per text, times texts in a batch."""
        per_text = self.options.max_tokens or prompt.answer_tokens
        if prompt.schema_name == "enrichment":
            return per_text
        return n_items * per_text + BATCH_ANSWER_OVERHEAD_TOKENS

    def _estimate(self, messages: list[dict[str, str]], max_tokens: int) -> float:
        """The request's worst-case cost: an upper bound on its prompt tokens plus
        `max_tokens`, at the model's price (reserved before sending)."""
        if self.price is None:
            return 0.0
        bound = prompt_token_bound([m["content"] for m in messages])
        return self.price.cost(bound, max_tokens)

    def _call(self, messages: list[dict[str, str]], prompt: RenderedPrompt) -> Reply:
        """One request; the SDK retries 408/409/429/5xx, timeouts and connection errors
        (`max_retries`). Raises RowEnd when it gives up."""
        n_items = 1 if prompt.schema_name == "enrichment" else self.options.batch_size
        max_tokens = self._max_tokens(prompt, n_items)
        spent = 0  # requests an unretried json_schema probe used up
        while True:
            estimate = self._estimate(messages, max_tokens)
            refused = self.budget.reserve(estimate)
            if refused:
                raise RowEnd(Status.deferred, refused)
            mode = self.response_format_mode
            probing = not self._mode_known and mode == "json_schema" and not spent
            started = time.monotonic()
            try:
                completion = self._client_for(probing, spent).chat.completions.create(
                    **self._request(messages, prompt, max_tokens)
                )
            except (openai.APIStatusError, openai.APIConnectionError) as exc:
                self.budget.settle(estimate, 0.0)
                spent = self._after_error(exc, mode, probing, spent)
                continue
            return self._reply(completion, started, estimate)

    def _request(
        self, messages: list[dict[str, str]], prompt: RenderedPrompt, max_tokens: int
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "response_format": self._response_format(prompt),
            "temperature": self.options.temperature,
            "max_tokens": max_tokens,
        }
        if self.options.seed is not None:
            kwargs["seed"] = self.options.seed
        return kwargs

    def _client_for(self, probing: bool, spent: int) -> openai.OpenAI:
        if probing:
            # llama.cpp answers 500 to json_schema: the probe is not retried, so
            # the fallback costs one call, not 1 + max_retries with backoff
            return self.client.with_options(max_retries=0)
        if spent:
            return self.client.with_options(max_retries=max(self.options.max_retries - spent, 0))
        return self.client

    def _after_error(
        self,
        exc: openai.APIStatusError | openai.APIConnectionError,
        mode: str,
        probing: bool,
        spent: int,
    ) -> int:
        """Send again (returns the probe requests spent so far) or raise: LLMConfigError
        when every row would fail the same way, RowEnd when this row ends."""
        if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            raise LLMConfigError(
                f"{self.name} rejected the credentials (HTTP {exc.status_code}): "
                f"{self._credential_hint()}"
            ) from None
        if isinstance(exc, openai.NotFoundError):
            raise LLMConfigError(
                f"{self.name} answered HTTP 404 for model/deployment '{self.model}': "
                f"{error_text(exc)[:200]}; {self._target_hint()}"
            ) from None
        if isinstance(exc, openai.APIStatusError):
            return self._after_status_error(exc, mode, probing, spent)
        return self._after_connection_error(exc, probing, spent)  # includes APITimeoutError

    def _after_status_error(
        self, exc: openai.APIStatusError, mode: str, probing: bool, spent: int
    ) -> int:
        opts = self.options
        text = error_text(exc)
        if is_content_filter(exc, text):
            raise RowEnd(
                Status.failed,
                f"content_filter: the prompt was blocked by the endpoint's content "
                f"filter (HTTP {exc.status_code})",
                answered=True,
            ) from None
        if mode == "json_schema" and rejects_json_schema(exc, text):
            if opts.response_format_mode == "json_schema":
                raise RowEnd(
                    Status.failed,
                    f"the endpoint rejected response_format json_schema "
                    f"(HTTP {exc.status_code}: {text[:200]}); set response_format_mode "
                    "to json_object or auto",
                ) from None
            self._fall_back(exc.status_code, text)
            return spent
        retryable = exc.status_code in (408, 409, 429) or exc.status_code >= 500
        if probing and retryable and opts.max_retries > 0:
            # a transient error, not a rejection: wait as the SDK would (it
            # reads Retry-After the same way), then the SDK retries the rest
            time.sleep(probe_wait(exc.response))
            return 1
        again = f" after {retries_made(exc.response) + spent} retries" if retryable else ""
        raise RowEnd(
            Status.failed,
            f"HTTP {exc.status_code}{again}: {text[:300]}",
            retryable=retryable,
        ) from None

    def _after_connection_error(
        self, exc: openai.APIConnectionError, probing: bool, spent: int
    ) -> int:
        if probing and self.options.max_retries > 0:
            time.sleep(probe_wait(None))
            return 1
        timed_out = isinstance(exc, openai.APITimeoutError)
        what = (
            f"timeout after {self.options.timeout_s:g}s"
            if timed_out
            else scrub(f"connection: {exc}")
        )
        raise RowEnd(
            Status.failed,
            f"{what} ({retries_made(exc) + spent} retries); check the endpoint, or raise timeout_s",
            retryable=True,
        ) from None

    def _reply(self, completion: Any, started: float, estimate: float) -> Reply:
        latency_ms = (time.monotonic() - started) * 1000.0
        usage = completion.usage
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        details = getattr(usage, "prompt_tokens_details", None)
        cached_tokens = int(getattr(details, "cached_tokens", 0) or 0)
        cost = self.price.cost(prompt_tokens, completion_tokens) if self.price else 0.0
        self._mode_known = True
        self.budget.settle(estimate, cost, prompt_tokens, cached_tokens)
        if not completion.choices:
            raise RowEnd(Status.failed, "the endpoint answered without choices", retryable=True)
        choice = completion.choices[0]
        return Reply(
            content=choice.message.content,
            refusal=getattr(choice.message, "refusal", None),
            finish_reason=choice.finish_reason,
            usage=Usage(prompt_tokens, completion_tokens, latency_ms, cost, cached_tokens),
        )

    def _fall_back(self, status: int, text: str) -> None:
        with self._mode_lock:
            self._mode_known = True
            if not self._fell_back:
                self._fell_back = True
                logger.warning(
                    "endpoint rejected response_format json_schema (HTTP %d: %s); using "
                    "json_object with the schema for the rest of the run "
                    "(set response_format_mode=json_object to skip the probe)",
                    status,
                    text[:200],
                )

    def _credential_hint(self) -> str:
        return "check OPENAI_API_KEY (and OPENAI_BASE_URL)"

    def _target_hint(self) -> str:
        return "check the dbt var llm_model (option model) and OPENAI_BASE_URL"
