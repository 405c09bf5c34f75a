"""LLM or offline enrichment of each distinct text (provider chosen by a dbt var)."""


def model(dbt, session):
    # incremental_strategy is set in the YAML: delete+insert on DuckDB, merge on Databricks
    dbt.config(materialized="incremental", unique_key="enrichment_key")
    from feedback_lakehouse.enrichment.dbt_entry import enrichment_model

    # dbt hands a Python model only the config keys its own file names
    settings = {
        "enrichment_provider": dbt.config.get("enrichment_provider"),
        "parallel_workers": dbt.config.get("parallel_workers"),
        "taxonomy_version": dbt.config.get("taxonomy_version"),
        "llm_review_threshold": dbt.config.get("llm_review_threshold"),
        "llm_model": dbt.config.get("llm_model"),
        "llm_deployment": dbt.config.get("llm_deployment"),
        "llm_concurrency": dbt.config.get("llm_concurrency"),
        "llm_batch_size": dbt.config.get("llm_batch_size"),
        "llm_timeout_s": dbt.config.get("llm_timeout_s"),
        "llm_max_retries": dbt.config.get("llm_max_retries"),
        "llm_max_run_attempts": dbt.config.get("llm_max_run_attempts"),
        "llm_repair_attempts": dbt.config.get("llm_repair_attempts"),
        "llm_max_calls": dbt.config.get("llm_max_calls"),
        "llm_max_cost_usd": dbt.config.get("llm_max_cost_usd"),
        "llm_max_tokens": dbt.config.get("llm_max_tokens"),
        "llm_response_format_mode": dbt.config.get("llm_response_format_mode"),
        "llm_temperature": dbt.config.get("llm_temperature"),
        "llm_seed": dbt.config.get("llm_seed"),
        "llm_cache_path": dbt.config.get("llm_cache_path"),
        "offline_learning": dbt.config.get("offline_learning"),
        "offline_self_training": dbt.config.get("offline_self_training"),
        "offline_self_trained_sentiment": dbt.config.get("offline_self_trained_sentiment"),
        "offline_model_cache": dbt.config.get("offline_model_cache"),
        "cascade_llm": dbt.config.get("cascade_llm"),
        "cascade_min_confidence": dbt.config.get("cascade_min_confidence"),
        # Databricks: tasks the calls are spread over, and the secret scope of the keys
        "spark_partitions": dbt.config.get("spark_partitions"),
        "llm_secret_scope": dbt.config.get("llm_secret_scope"),
    }
    return enrichment_model(
        dbt,
        session,
        settings,
        texts=dbt.ref("int_texts__to_enrich"),
        categories=dbt.ref("taxonomy_categories"),
        versions=dbt.ref("taxonomy_versions"),
        prices=dbt.ref("model_prices"),
        # what the offline provider learns from when offline_learning is on
        decisions=dbt.ref("int_review_decisions__latest"),
        feedback=dbt.ref("int_feedback__canonical"),
        gold=dbt.ref("int_gold_labels"),
    )
