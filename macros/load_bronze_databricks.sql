{#- Bronze on Databricks: COPY INTO each landing source's table, the equivalent of the
    DuckDB bronze Python models. Append-only and idempotent: COPY INTO loads a file once
    (re-running, or dropping the same file again, adds nothing; a new file adds its rows).
    Every data column is kept as a raw string; each row keeps the file it came from
    (_metadata.file_path), the file's modification time and _ingested_at. A row missing a
    required value, failing a format check or with rescued (malformed) data is kept with
    _is_rejected and the reason, so nothing is lost and the quarantine report sees it.

    dbt run-operation load_bronze_databricks --target databricks \
        --args '{landing_path: "/Volumes/main/feedback/landing"}'
    Options: sources (a list, default all), schema (default <target schema>_bronze, or
    env FEEDBACK_BRONZE_SCHEMA), dry_run (print the SQL; no connection is needed). -#}
{% macro load_bronze_databricks(landing_path, sources=none, schema=none, dry_run=false) %}
    {%- set bronze_schema = schema or env_var('FEEDBACK_BRONZE_SCHEMA', target.schema ~ '_bronze') -%}
    {%- set statements = ['create schema if not exists ' ~ target.database ~ '.' ~ bronze_schema] -%}
    {%- for name, spec in feedback_lakehouse.bronze_landing_specs().items() -%}
        {%- if sources is none or name in sources -%}
            {%- set relation = target.database ~ '.' ~ bronze_schema ~ '.bronze_' ~ spec.table -%}
            {%- do statements.append(feedback_lakehouse.bronze_table_ddl(relation, spec)) -%}
            {%- do statements.append(feedback_lakehouse.bronze_copy_into(
                relation, spec, landing_path.rstrip('/') ~ '/' ~ spec.folder)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for statement in statements -%}
        {%- if dry_run -%}
            {{ print(statement ~ ';\n') }}
        {%- else -%}
            {%- do log('load_bronze_databricks: ' ~ statement.strip().split('\n')[0], info=true) -%}
            {%- do run_query(statement) -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}
