"""Bronze: append-only rows of a custom CSV source described by a YAML mapping (README
"Bring your own data"); empty while the dbt var `custom_source` is not set."""


def model(dbt, session):
    # created_at_utc was added to the bronze columns: an older table gains it on the next run
    dbt.config(
        materialized="incremental",
        incremental_strategy="append",
        on_schema_change="append_new_columns",
    )
    from feedback_lakehouse.ingest.bronze import bronze_model

    settings = {
        "landing_dir": dbt.config.get("landing_dir"),
        "custom_source": dbt.config.get("custom_source"),
    }
    return bronze_model(dbt, session, "custom", settings)
