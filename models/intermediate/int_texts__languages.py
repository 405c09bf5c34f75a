"""The language of each distinct cleaned text, detected with lingua (no network)."""


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    from feedback_lakehouse.text.language_dbt import language_model

    # dbt hands a Python model only the config keys its own file names
    settings = {"parallel_workers": dbt.config.get("parallel_workers")}
    return language_model(dbt, session, dbt.ref("int_feedback__cleaned"), settings)
