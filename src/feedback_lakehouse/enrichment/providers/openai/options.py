"""The one typed options model of the `openai` and `azure_openai` providers; the dbt
config's `llm_<option>` keys map onto its fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from feedback_lakehouse.enrichment.budget import prices_from_frame

ResponseFormatMode = Literal["auto", "json_schema", "json_object"]

# The options a dbt project sets, each as the config key `llm_<option>`: the one list
# the dbt entry reads and the offline provider accepts (and ignores).
DBT_OPTIONS: tuple[str, ...] = (
    "model",
    "deployment",
    "concurrency",
    "batch_size",
    "timeout_s",
    "max_retries",
    "repair_attempts",
    "max_calls",
    "max_cost_usd",
    "max_tokens",
    "response_format_mode",
    "temperature",
    "seed",
    "cache_path",
)


class LLMConfigError(ValueError):
    """The provider is not configured well enough to make a single successful call."""


class LLMOptions(BaseModel):
    """Options of the `openai` and `azure_openai` providers (dbt vars map onto these)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    model: str | None = None  # openai: the model name (dbt var llm_model); env OPENAI_MODEL
    deployment: str | None = None  # azure_openai; env AZURE_OPENAI_DEPLOYMENT
    base_url: str | None = None  # openai; env OPENAI_BASE_URL
    azure_endpoint: str | None = None  # azure_openai; env AZURE_OPENAI_ENDPOINT
    api_version: str | None = None  # azure_openai; env OPENAI_API_VERSION
    api_key: SecretStr | None = None  # env OPENAI_API_KEY / AZURE_OPENAI_API_KEY
    azure_ad_token_provider: Callable[[], str] | None = None  # Entra ID; default: azure-identity
    concurrency: int = Field(default=4, ge=1, le=256)
    batch_size: int = Field(default=1, ge=1, le=50)  # texts per request
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)  # the SDK's, per request: 429/5xx/timeouts
    repair_attempts: int = Field(default=2, ge=0, le=10)
    max_calls: int | None = Field(default=None, ge=0)
    max_cost_usd: float | None = Field(default=None, ge=0)
    response_format_mode: ResponseFormatMode = "auto"
    temperature: float = Field(default=0.0, ge=0, le=2)
    seed: int | None = None
    # completion tokens per text (a batch request: texts x this + a wrapper allowance);
    # default: sized to the answer schema (prompting.answer_max_tokens)
    max_tokens: int | None = Field(default=None, ge=1)
    cache_path: str | None = None
    prices: dict[str, Any] | None = None  # {model: {input_per_1k_usd, output_per_1k_usd}}
    price_model: str | None = None  # the price row to use, if not the model/deployment name
    progress_every_rows: int = Field(default=100, ge=1)
    progress_every_s: float = Field(default=5.0, gt=0)


def parse_options(options: dict[str, Any]) -> LLMOptions:
    """Validate options; None and "" (unset dbt vars) mean "use the default"."""
    given = {
        k: v
        for k, v in options.items()
        if v is not None and not (isinstance(v, str) and not v.strip())
    }
    prices = given.get("prices")
    if prices is not None and hasattr(prices, "columns"):  # the price seed as a DataFrame
        given["prices"] = prices_from_frame(prices)
    try:
        return LLMOptions(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise LLMConfigError(
            f"invalid LLM provider options ({problems}); allowed options are "
            f"{sorted(LLMOptions.model_fields)}"
        ) from None
