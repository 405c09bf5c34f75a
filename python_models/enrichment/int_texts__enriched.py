"""LLM or offline enrichment of each distinct text (provider chosen by a dbt var)."""


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="enrichment_key",
    )
    from feedback_lakehouse.enrich import enrichment_model

    return enrichment_model(dbt, session)
