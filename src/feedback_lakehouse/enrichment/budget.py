"""Model prices and the per-run budget (max calls, max estimated cost).

Prices come from the dbt seed `seeds/reference/model_prices.csv`
(`model,input_per_1k_usd,output_per_1k_usd`); the enrichment model passes them in as a
mapping. The budget is checked before every HTTP request: a request that would go past
`max_calls`, or whose worst-case cost would go past `max_cost_usd`, is not sent and its
rows become `deferred`, to be picked up by the next run.

The worst case of a request is an upper bound, not a guess: its prompt's UTF-8 bytes
(byte-level BPE and SentencePiece-with-byte-fallback tokenizers never make more tokens
than bytes) plus a per-message allowance for the chat template, and `max_tokens` of
completion, at the model's price. It is reserved before sending and the unused part is
released when the answer's usage arrives, so concurrent requests never spend past the cap.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Tokens a chat template may add per message (role markers, separators) and per request.
TEMPLATE_TOKENS_PER_MESSAGE = 8
TEMPLATE_TOKENS_PER_REQUEST = 16


def prompt_token_bound(contents: list[str]) -> int:
    """An upper bound on the prompt tokens of a request with these message contents."""
    return TEMPLATE_TOKENS_PER_REQUEST + sum(
        len(content.encode("utf-8")) + TEMPLATE_TOKENS_PER_MESSAGE for content in contents
    )


class BudgetError(ValueError):
    """The budget or price configuration is unusable."""


@dataclass(frozen=True)
class Price:
    input_per_1k_usd: float
    output_per_1k_usd: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (
            prompt_tokens * self.input_per_1k_usd + completion_tokens * self.output_per_1k_usd
        ) / 1000.0


PriceInput = Mapping[str, Any] | tuple[float, float] | list[float] | Price


def parse_prices(prices: Mapping[str, PriceInput] | None) -> dict[str, Price]:
    """Normalise {model: {input_per_1k_usd, output_per_1k_usd}} (or (in, out) pairs)."""
    out: dict[str, Price] = {}
    for model, value in (prices or {}).items():
        try:
            if isinstance(value, Price):
                price = value
            elif isinstance(value, Mapping):
                price = Price(float(value["input_per_1k_usd"]), float(value["output_per_1k_usd"]))
            else:
                price = Price(float(value[0]), float(value[1]))
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise BudgetError(
                f"price for model '{model}' is {value!r}: give input_per_1k_usd and "
                "output_per_1k_usd as numbers (see seeds/reference/model_prices.csv)"
            ) from exc
        out[str(model).strip()] = price
    return out


def load_prices(path: str | Path) -> dict[str, Price]:
    """Read the model price seed CSV."""
    path = Path(path)
    if not path.exists():
        raise BudgetError(f"model price file {path} not found (expected the dbt seed CSV)")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return parse_prices({row["model"]: row for row in rows if row.get("model")})


class Budget:
    """Thread-safe call and cost accounting for one run.

    `reserve(worst_case)` is called before a request with the request's worst-case cost:
    it returns None once the reservation fits under the cap, or the reason it cannot. A
    request that does not fit while others are in flight waits for them to settle (their
    unused reservations come back) and is refused only when it cannot fit even then.
    `settle(reserved, actual)` replaces the reservation by the real cost.
    """

    def __init__(self, max_calls: int | None = None, max_cost_usd: float | None = None):
        if max_calls is not None and max_calls < 0:
            raise BudgetError("max_calls must be >= 0 (or None for no cap)")
        if max_cost_usd is not None and max_cost_usd < 0:
            raise BudgetError("max_cost_usd must be >= 0 (or None for no cap)")
        self.max_calls = max_calls
        self.max_cost_usd = max_cost_usd
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        self.calls = 0
        self.cost_usd = 0.0
        self.overruns = 0  # answers that cost more than their reservation
        self._reserved = 0.0
        self._in_flight = 0
        self._settled_calls = 0
        self.prompt_tokens = 0
        self.cached_prompt_tokens = 0
        self._mine = threading.local()  # reservations the calling thread holds

    def reset(self) -> None:
        with self._lock:
            self.calls = 0
            self.cost_usd = 0.0
            self.overruns = 0
            self._reserved = 0.0
            self._in_flight = 0
            self._settled_calls = 0
            self.prompt_tokens = 0
            self.cached_prompt_tokens = 0

    def average_cost(self) -> float:
        with self._lock:
            return self.cost_usd / self._settled_calls if self._settled_calls else 0.0

    def reserve(self, worst_case_usd: float) -> str | None:
        """Count one call and reserve its worst-case cost; None if allowed, else why not."""
        with self._settled:
            while True:
                if self.max_calls is not None and self.calls >= self.max_calls:
                    return (
                        f"budget: max_calls={self.max_calls} reached this run; "
                        "the row is retried by the next run (or raise the cap)"
                    )
                if self.max_cost_usd is None:
                    break
                projected = self.cost_usd + self._reserved + worst_case_usd
                if projected <= self.max_cost_usd:
                    break
                if self._in_flight - getattr(self._mine, "held", 0) <= 0:
                    return (
                        f"budget: max_cost_usd={self.max_cost_usd:g} would be exceeded: "
                        f"spent {self.cost_usd:.6f}, this request may cost up to "
                        f"{worst_case_usd:.6f}; the row is retried by the next run "
                        "(or raise the cap)"
                    )
                self._settled.wait()  # a request in flight releases its unused part
            self.calls += 1
            self._in_flight += 1
            self._mine.held = getattr(self._mine, "held", 0) + 1
            self._reserved += worst_case_usd
            return None

    def settle(
        self,
        reserved_usd: float,
        actual_usd: float,
        prompt_tokens: int = 0,
        cached_prompt_tokens: int = 0,
    ) -> None:
        """Replace a reservation by the call's real cost (0 when nothing was billed)."""
        with self._settled:
            self._reserved = max(0.0, self._reserved - reserved_usd)
            self._in_flight = max(0, self._in_flight - 1)
            self._mine.held = max(0, getattr(self._mine, "held", 0) - 1)
            self.prompt_tokens += prompt_tokens
            self.cached_prompt_tokens += cached_prompt_tokens
            self.cost_usd += actual_usd
            self._settled_calls += 1
            if actual_usd > reserved_usd + 1e-12:
                self.overruns += 1
            self._settled.notify_all()


def prices_from_frame(frame: Any) -> dict[str, dict[str, float]]:
    """{model: {input_per_1k_usd, output_per_1k_usd}} from the price seed as a DataFrame."""
    needed = {"model", "input_per_1k_usd", "output_per_1k_usd"}
    missing = needed - set(frame.columns)
    if missing:
        raise BudgetError(
            f"model price table lacks columns {sorted(missing)}; expected {sorted(needed)} "
            "(see seeds/reference/model_prices.csv)"
        )
    return {
        str(row["model"]): {
            "input_per_1k_usd": float(row["input_per_1k_usd"]),
            "output_per_1k_usd": float(row["output_per_1k_usd"]),
        }
        for row in frame.to_dict("records")
    }
