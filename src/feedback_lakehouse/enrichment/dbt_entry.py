"""The enrichment model's logic (the dbt Python models stay thin; the language model's is
`text.language_dbt`)."""

from __future__ import annotations

import logging
import sys
from typing import Any

import pandas as pd
import pyarrow as pa

from feedback_lakehouse.dbt_glue import (
    config_value,
    existing_values,
    is_duckdb_relation,
    new_rows_only,
    sql_literal,
    to_arrow,
    to_pandas,
)
from feedback_lakehouse.enrichment.engine import (
    DEFAULT_MAX_RUN_ATTEMPTS,
    enrich_frame,
    make_provider,
    resend_sql,
)
from feedback_lakehouse.enrichment.learner import LearnedModel, examples_from_frames
from feedback_lakehouse.enrichment.model_cache import ModelCache, model_cache
from feedback_lakehouse.enrichment.parallel import resolve_workers
from feedback_lakehouse.enrichment.providers.openai.options import DBT_OPTIONS
from feedback_lakehouse.enrichment.selftrain import SelfTrainedModel, SelfTrainSettings
from feedback_lakehouse.enrichment.selftrain_dbt import (
    first_build_model,
    keep_model,
    sentiment_model,
    stored_model,
)
from feedback_lakehouse.enrichment.selftrain_sentiment import (
    SelfTrainedSentiment,
    SentimentSelfTrainSettings,
)
from feedback_lakehouse.enrichment.spark import enrichment_model_spark, is_spark_session
from feedback_lakehouse.enrichment.taxonomy import Taxonomy, default_version

log = logging.getLogger(__name__)

ENRICHED_SCHEMA = pa.schema(
    [
        pa.field("enrichment_key", pa.string()),
        pa.field("text_hash", pa.string()),
        pa.field("main_category", pa.string()),
        pa.field("secondary_categories", pa.string()),
        pa.field("sentiment", pa.string()),
        pa.field("sentiment_intensity", pa.float64()),
        pa.field("urgency", pa.string()),
        pa.field("root_cause_guess", pa.string()),
        pa.field("suggested_owner", pa.string()),
        pa.field("short_summary", pa.string()),
        pa.field("rationale", pa.string()),
        pa.field("confidence", pa.float64()),
        pa.field("needs_review", pa.bool_()),
        pa.field("language", pa.string()),
        pa.field("review_signals", pa.string()),
        pa.field("category_sentiments", pa.string()),
        pa.field("taxonomy_version", pa.string()),
        pa.field("prompt_version", pa.string()),
        pa.field("provider", pa.string()),
        pa.field("model", pa.string()),
        pa.field("enriched_at", pa.timestamp("us")),
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        pa.field("failure_kind", pa.string()),
        pa.field("run_attempts", pa.int64()),
        pa.field("prompt_tokens", pa.int64()),
        pa.field("completion_tokens", pa.int64()),
        pa.field("cached_prompt_tokens", pa.int64()),
        pa.field("latency_ms", pa.float64()),
        pa.field("cost_usd", pa.float64()),
    ]
)

# options the enrichment model passes from dbt config (`llm_<option>`) to the provider,
# when set: the LLM options model's list
PROVIDER_OPTION_KEYS = tuple(DBT_OPTIONS)

REMOVED_REVIEW_THRESHOLD = (
    "config llm_review_threshold was removed: the status is decided in one place "
    "(int_feedback__status) with one threshold, the dbt var review_confidence_threshold; "
    "set that var instead and remove llm_review_threshold from the model config"
)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def learn(taxonomy: Taxonomy, decisions: Any, feedback: Any, gold: Any) -> LearnedModel | None:
    """The local classifier learned from review decisions and gold labels (train split)."""
    if feedback is None:
        return None
    texts = to_pandas(feedback)[["feedback_id", "masked_text"]]
    examples = examples_from_frames(
        to_pandas(decisions) if decisions is not None else None,
        texts,
        to_pandas(gold) if gold is not None else None,
        allowed_categories=taxonomy.ids,
    )
    model = LearnedModel(examples)
    log.info(
        "learned from %d labelled texts: %s",
        len(model.examples),
        model.identity if model.is_trained else "too few to train, rules only",
    )
    return model if model.is_trained else None


def self_train(
    dbt: Any,
    session: Any,
    texts: Any,
    taxonomy: Taxonomy,
    options: dict[str, Any],
    with_sentiment: bool = False,
    workers: int = 1,
    cache: ModelCache | None = None,
) -> tuple[SelfTrainedModel | None, SelfTrainedSentiment | None]:
    """The offline provider's self-trained category model (`offline_self_training`) and,
    with `with_sentiment` (`offline_self_trained_sentiment`), sentiment: the stored ones
    rebuilt when they still hold (a daily run; loaded from `cache` when it keeps them),
    else ones trained on this batch (and kept in `cache` for the next run)."""
    trained_sentiment = None
    if with_sentiment:
        base = make_provider("offline", **options)
        sentiment_settings = SentimentSelfTrainSettings()
        sentiment = sentiment_model(
            dbt, session, texts, taxonomy, base.options, sentiment_settings, workers, cache
        )
        trained_sentiment = sentiment if sentiment.is_trained else None
    settings = SelfTrainSettings()

    def version(model: SelfTrainedModel) -> str:
        provider = make_provider(
            "offline", **options, selftrained=model, selftrained_sentiment=trained_sentiment
        )
        return provider.prompt_version(taxonomy)

    identity = trained_sentiment.identity if trained_sentiment is not None else None
    model = stored_model(dbt, session, texts, taxonomy, settings, version, identity, cache)
    if model is None:
        model = first_build_model(texts, taxonomy, options, settings)
        keep_model(cache, model, taxonomy)
    return (model if model.is_trained else None), trained_sentiment


def provider_options(settings: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key in PROVIDER_OPTION_KEYS:
        value = config_value(settings, f"llm_{key}")
        if value is not None:
            options[key] = value
    return options


def _model_options(
    settings: dict[str, Any],
    provider_name: str,
    taxonomy: Taxonomy,
    prices: Any,
    decisions: Any,
    feedback: Any,
    gold: Any,
) -> dict[str, Any]:
    """The options `make_provider` gets from the dbt config and the seeds."""
    if config_value(settings, "llm_review_threshold") is not None:
        raise ValueError(REMOVED_REVIEW_THRESHOLD)
    options = provider_options(settings)
    if provider_name != "offline" and prices is not None:
        options["prices"] = to_pandas(prices)
    if provider_name == "cascade":
        options["cascade_llm"] = config_value(settings, "cascade_llm", "openai")
        options["cascade_min_confidence"] = config_value(settings, "cascade_min_confidence")
    if provider_name in ("offline", "cascade") and _truthy(
        config_value(settings, "offline_learning", False)
    ):
        options["learner"] = learn(taxonomy, decisions, feedback, gold)
    return options


def _not_stored(dbt: Any, texts: Any, taxonomy: Taxonomy, provider: Any, resend: str) -> Any:
    """DuckDB: leave out, in SQL, the texts whose enrichment key (contracts.enrichment_key,
    computed alike in SQL) is stored and not to be sent again; only those are read."""
    parts = [
        taxonomy.version,
        provider.prompt_version(taxonomy),
        provider.name,
        provider.model,
    ]
    key = "left(sha256(concat_ws(chr(31), text_hash, {})), 32)".format(
        ", ".join(sql_literal(p) for p in parts)
    )
    return new_rows_only(dbt, texts, "enrichment_key", where=f"not ({resend})", expression=key)


def _enrich_in_process(
    dbt: Any,
    session: Any,
    settings: dict[str, Any],
    provider: Any,
    taxonomy: Taxonomy,
    texts: Any,
    max_run_attempts: int,
) -> pa.Table:
    """DuckDB (and any non-Spark session): the new texts enriched in this process."""
    # deferred rows and retryable failures (under the cap) are not done: the next run
    # sends them again (unique_key replaces them)
    resend = _resend_sql(dbt, session, max_run_attempts)
    pushed_down = dbt.is_incremental and is_duckdb_relation(texts)
    state = _stored_state(dbt, session, resend, with_done=not pushed_down)
    if pushed_down:
        texts = _not_stored(dbt, texts, taxonomy, provider, resend)
    texts = to_pandas(texts)
    workers = resolve_workers(config_value(settings, "parallel_workers"))
    frame = enrich_frame(
        texts,
        taxonomy,
        provider,
        existing_keys=state,
        workers=workers,
        max_run_attempts=max_run_attempts,
    )
    log.info("enriched %d texts with %s (%s)", len(frame), provider.name, provider.model)
    # dbt runs Python models in-process on DuckDB: stdout reaches the build's console
    line = failure_line(frame, str(getattr(dbt, "this", None) or "int_texts__enriched"))
    if line:
        print(line, file=sys.stdout, flush=True)
    return to_arrow(frame, ENRICHED_SCHEMA)


def self_training_applies(provider_name: str, settings: dict[str, Any]) -> bool:
    """Whether the offline provider self-trains in this run (var `offline_self_training`,
    provider `offline`). The cascade's local side does not yet (its stored rows are not
    rebuilt into the model): said loudly, as its local side is then the rules alone."""
    wanted = _truthy(config_value(settings, "offline_self_training", True))
    if wanted and provider_name == "cascade":
        log.warning(
            "SELF-TRAINING is not run inside the cascade yet: its local side is the keyword "
            "rules%s, so it sends more texts to the LLM than the offline default would label",
            " and the learned model" if _truthy(config_value(settings, "offline_learning")) else "",
        )
    return wanted and provider_name == "offline"


def enrichment_model(
    dbt: Any,
    session: Any,
    settings: dict[str, Any],
    texts: Any,
    categories: Any,
    prices: Any = None,
    versions: Any = None,
    decisions: Any = None,
    feedback: Any = None,
    gold: Any = None,
) -> pa.Table:
    """Enrich each distinct text once per (taxonomy, prompt, provider, model).

    `texts` is `int_texts__to_enrich`, `categories` the taxonomy seed, `prices` the
    model price seed (used by the LLM providers), `versions` the taxonomy versions seed
    (its default active version is in force when the var `taxonomy_version` is unset).

    Learning (`offline_learning` true, providers `offline` and `cascade`): `decisions`
    (`int_review_decisions__latest`), `feedback` (`int_feedback__canonical`, for the
    texts) and `gold` (`int_gold_labels`, its `train` split) train a local classifier
    whose training-set hash becomes part of the model name, hence of the enrichment key.
    Self-training (`offline_self_training` true, provider `offline`): `self_train`, for
    categories and sentiment.
    """
    provider_name = config_value(settings, "enrichment_provider", "offline")
    version = config_value(settings, "taxonomy_version")
    if version is None and versions is not None:
        version = default_version(to_pandas(versions))
    taxonomy = Taxonomy.from_frame(to_pandas(categories), version)
    options = _model_options(settings, provider_name, taxonomy, prices, decisions, feedback, gold)
    max_run_attempts = int(config_value(settings, "llm_max_run_attempts", DEFAULT_MAX_RUN_ATTEMPTS))
    self_training = self_training_applies(provider_name, settings)
    if is_spark_session(session):  # Databricks: spread the calls over the cluster
        if self_training:
            log.warning("SELF-TRAINING is not run on Spark yet: the rules alone label texts")
        return enrichment_model_spark(
            dbt,
            session,
            provider_name,
            options,
            taxonomy,
            texts,
            ENRICHED_SCHEMA,
            partitions=config_value(settings, "spark_partitions", 8),
            secret_scope=config_value(settings, "llm_secret_scope"),
            max_run_attempts=max_run_attempts,
        )
    if self_training:
        with_sentiment = _truthy(config_value(settings, "offline_self_trained_sentiment", True))
        workers = resolve_workers(config_value(settings, "parallel_workers"))
        cache = model_cache(config_value(settings, "offline_model_cache"), session)
        trained = self_train(dbt, session, texts, taxonomy, options, with_sentiment, workers, cache)
        options["selftrained"], options["selftrained_sentiment"] = trained
    provider = make_provider(provider_name, **options)
    return _enrich_in_process(dbt, session, settings, provider, taxonomy, texts, max_run_attempts)


def _stored_columns(dbt: Any, session: Any) -> set[str]:
    if not dbt.is_incremental:
        return set()
    return {str(c).lower() for c in session.sql(f"select * from {dbt.this} limit 0").columns}


def _resend_sql(dbt: Any, session: Any, max_run_attempts: int) -> str:
    """SQL over the stored table: the rows to send again (`engine.resend_sql`)."""
    return resend_sql(_stored_columns(dbt, session), max_run_attempts)


def _stored_state(dbt: Any, session: Any, resend: str, *, with_done: bool) -> pd.DataFrame | None:
    """The stored rows to send again (key, status, failure kind, runs tried): the engine
    counts `run_attempts` on from them. Every other stored key is left out in SQL on
    DuckDB, or (`with_done`) listed here as done."""
    if not dbt.is_incremental:
        return None
    columns = _stored_columns(dbt, session)
    kind = "failure_kind" if "failure_kind" in columns else "cast(null as varchar) as failure_kind"
    attempts = (
        "run_attempts" if "run_attempts" in columns else "cast(null as bigint) as run_attempts"
    )
    state = to_pandas(
        session.sql(
            f"select enrichment_key, status, {kind}, {attempts} from {dbt.this} where {resend}"
        )
    )
    done = (
        existing_values(dbt, session, "enrichment_key", where=f"not ({resend})")
        if with_done
        else set()
    )
    rows = [state]
    if done:
        rows.append(pd.DataFrame({"enrichment_key": sorted(done), "status": "ok"}))
    return pd.concat(rows, ignore_index=True)


def failure_line(frame: pd.DataFrame, model: str) -> str | None:
    """One console line when texts of this run failed with retryable errors: how many,
    the share, the reasons, and how to resume."""
    if frame.empty or "failure_kind" not in frame.columns:
        return None
    sent = frame[frame["status"] != "deferred"]
    retryable = sent[(sent["status"] == "failed") & (sent["failure_kind"] == "retryable")]
    if retryable.empty:
        return None
    reasons = retryable["error"].fillna("").map(_reason).value_counts()
    listed = ", ".join(f"{reason}: {count}" for reason, count in reasons.items())
    most = int(retryable["run_attempts"].max())
    return (
        f"LLM RETRYABLE FAILURES {model}: {len(retryable)} of {len(sent)} texts "
        f"({len(retryable) / len(sent):.1%}) sent in this run failed with transient errors "
        f"({listed}). They are stored failed with failure_kind retryable; run dbt build "
        "again once the endpoint is healthy and it sends only them again (up to "
        f"llm_max_run_attempts, tried {most} so far), or lower llm_concurrency if the "
        "endpoint rate-limits"
    )


def _reason(error: str) -> str:
    head = error.split(":", 1)[0]
    if head.startswith("HTTP "):
        return head.split(" after ")[0]
    if head.startswith("timeout"):
        return "timeout"
    return head.split(" ", 1)[0] or "error"
