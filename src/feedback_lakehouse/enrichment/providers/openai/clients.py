"""The two clients over the shared engine: `openai` (any OpenAI-compatible endpoint)
and `azure_openai` (Azure OpenAI, key or Entra ID)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import openai

from feedback_lakehouse.enrichment.providers.openai.options import (
    LLMConfigError,
    LLMOptions,
    parse_options,
)
from feedback_lakehouse.enrichment.providers.openai.provider import OpenAICompatProvider
from feedback_lakehouse.enrichment.providers.registry import register


@register("openai", options=LLMOptions)
class OpenAIProvider(OpenAICompatProvider):
    """Any OpenAI-compatible endpoint: OpenAI, vLLM, Ollama, llama.cpp's server."""

    name = "openai"

    def __init__(self, **options: Any):
        opts = parse_options(options)
        model = opts.model or os.environ.get("OPENAI_MODEL")
        key = opts.api_key.get_secret_value() if opts.api_key else os.environ.get("OPENAI_API_KEY")
        missing = []
        if not model:
            missing.append("the model (dbt var llm_model, or env OPENAI_MODEL)")
        if not key:
            missing.append(
                "env OPENAI_API_KEY (any non-empty value for local servers that need no key)"
            )
        if missing:
            raise LLMConfigError(
                "enrichment_provider 'openai' needs "
                + " and ".join(missing)
                + "; set OPENAI_BASE_URL too for an endpoint other than api.openai.com"
            )
        assert model is not None
        client = openai.OpenAI(
            api_key=key,
            base_url=opts.base_url or os.environ.get("OPENAI_BASE_URL") or None,
            timeout=opts.timeout_s,
            max_retries=opts.max_retries,
        )
        super().__init__(client, model, opts)


@register("azure_openai", options=LLMOptions, aliases=("azure",))
class AzureOpenAIProvider(OpenAICompatProvider):
    """Azure OpenAI: a deployment, an API version, a key or Entra ID."""

    name = "azure_openai"

    def __init__(self, **options: Any):
        opts = parse_options(options)
        endpoint = opts.azure_endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT")
        api_version = opts.api_version or os.environ.get("OPENAI_API_VERSION")
        deployment = opts.deployment or opts.model or os.environ.get("AZURE_OPENAI_DEPLOYMENT")
        missing = [
            env
            for env, value in (
                ("AZURE_OPENAI_ENDPOINT", endpoint),
                ("OPENAI_API_VERSION", api_version),
                ("AZURE_OPENAI_DEPLOYMENT (or the dbt var llm_deployment)", deployment),
            )
            if not value
        ]
        if missing:
            raise LLMConfigError(
                "enrichment_provider 'azure_openai' needs "
                + ", ".join(missing)
                + "; and AZURE_OPENAI_API_KEY, or Entra ID (pip install azure-identity and "
                "sign in, e.g. az login or a managed identity)"
            )
        assert deployment is not None
        key = (
            opts.api_key.get_secret_value()
            if opts.api_key
            else os.environ.get("AZURE_OPENAI_API_KEY")
        )
        auth: dict[str, Any] = {}
        if key:
            auth["api_key"] = key
        elif os.environ.get("AZURE_OPENAI_AD_TOKEN"):
            auth["azure_ad_token"] = os.environ["AZURE_OPENAI_AD_TOKEN"]
        else:
            auth["azure_ad_token_provider"] = opts.azure_ad_token_provider or _entra_provider()
        client = openai.AzureOpenAI(
            azure_endpoint=endpoint,
            azure_deployment=deployment,
            api_version=api_version,
            timeout=opts.timeout_s,
            max_retries=opts.max_retries,
            **auth,
        )
        super().__init__(client, deployment, opts)

    def _credential_hint(self) -> str:
        return (
            "check AZURE_OPENAI_API_KEY, or for Entra ID that the identity has the "
            "'Cognitive Services OpenAI User' role on the resource"
        )

    def _target_hint(self) -> str:
        return (
            "check AZURE_OPENAI_DEPLOYMENT (or the dbt var), AZURE_OPENAI_ENDPOINT and "
            "OPENAI_API_VERSION"
        )


def _entra_provider() -> Callable[[], str]:
    try:
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
    except ImportError as exc:
        raise LLMConfigError(
            "enrichment_provider 'azure_openai' has no AZURE_OPENAI_API_KEY, and Entra ID "
            "auth needs the azure-identity package: pip install azure-identity (then sign "
            "in, e.g. az login), or set AZURE_OPENAI_API_KEY"
        ) from exc
    return get_bearer_token_provider(
        DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
    )
