"""The language of each distinct cleaned text, detected with lingua (no network)."""


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    from feedback_lakehouse.enrich import language_model

    return language_model(dbt, session, dbt.ref("int_feedback__cleaned"))
