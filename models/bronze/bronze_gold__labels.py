"""Bronze: append-only rows of human gold labels (landing gold/*.csv)."""


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="append",
        on_schema_change="append_new_columns",
    )
    from feedback_lakehouse.ingest.bronze import bronze_model

    settings = {"landing_dir": dbt.config.get("landing_dir")}
    return bronze_model(dbt, session, "gold", settings)
