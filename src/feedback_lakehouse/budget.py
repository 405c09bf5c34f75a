"""Model prices and the per-run budget (max calls, max estimated cost).

Prices come from the dbt seed `seeds/reference/model_prices.csv`
(`model,input_per_1k_usd,output_per_1k_usd`); the enrichment model passes them in as a
mapping. The budget is checked before every HTTP request: a request that would go past
`max_calls`, or whose estimated cost would go past `max_cost_usd`, is not sent and its
rows become `deferred`, to be picked up by the next run.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A rough chars-per-token ratio, only used to estimate a request's cost before it is sent.
CHARS_PER_TOKEN = 4.0


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

    `reserve(estimate)` is called before a request: it refuses (returns a reason) when the
    request would exceed a cap. `settle(estimate, actual)` replaces the estimate by the
    real cost once the answer's usage is known. Concurrent requests each reserve their
    estimate, so the cost cap holds up to estimation error.
    """

    def __init__(self, max_calls: int | None = None, max_cost_usd: float | None = None):
        if max_calls is not None and max_calls < 0:
            raise BudgetError("max_calls must be >= 0 (or None for no cap)")
        if max_cost_usd is not None and max_cost_usd < 0:
            raise BudgetError("max_cost_usd must be >= 0 (or None for no cap)")
        self.max_calls = max_calls
        self.max_cost_usd = max_cost_usd
        self._lock = threading.Lock()
        self.calls = 0
        self.cost_usd = 0.0
        self._reserved = 0.0
        self._settled_calls = 0

    def reset(self) -> None:
        with self._lock:
            self.calls = 0
            self.cost_usd = 0.0
            self._reserved = 0.0
            self._settled_calls = 0

    def average_cost(self) -> float:
        with self._lock:
            return self.cost_usd / self._settled_calls if self._settled_calls else 0.0

    def reserve(self, estimate_usd: float) -> str | None:
        """Count one call; None if allowed, else the reason it is not."""
        with self._lock:
            if self.max_calls is not None and self.calls >= self.max_calls:
                return (
                    f"budget: max_calls={self.max_calls} reached this run; "
                    "the row is retried by the next run (or raise the cap)"
                )
            if self.max_cost_usd is not None:
                projected = self.cost_usd + self._reserved + estimate_usd
                if projected > self.max_cost_usd:
                    return (
                        f"budget: max_cost_usd={self.max_cost_usd:g} would be exceeded "
                        f"(spent {self.cost_usd:.6f}); the row is retried by the next run "
                        "(or raise the cap)"
                    )
            self.calls += 1
            self._reserved += estimate_usd
            return None

    def settle(self, estimate_usd: float, actual_usd: float) -> None:
        with self._lock:
            self._reserved = max(0.0, self._reserved - estimate_usd)
            self.cost_usd += actual_usd
            self._settled_calls += 1


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
