"""The near-duplicate group of each distinct text (datasketch MinHash + LSH), incremental."""


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    from feedback_lakehouse.text.near_duplicates import near_duplicate_model

    # dbt hands a Python model only the config keys its own file names
    settings = {"near_duplicate_threshold": dbt.config.get("near_duplicate_threshold")}
    return near_duplicate_model(dbt, session, dbt.ref("int_feedback__cleaned"), settings)
