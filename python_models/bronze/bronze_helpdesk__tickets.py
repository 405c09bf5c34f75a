"""Bronze: append-only rows of the helpdesk landing files (see docs/LANDING.md)."""


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    from feedback_lakehouse.bronze import bronze_model

    return bronze_model(dbt, session, "helpdesk")
