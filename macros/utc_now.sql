{#- The current time as a timestamp without time zone, in UTC like every other timestamp
    of the project (bronze _ingested_at, enriched_at). On Databricks current_timestamp()
    is in the session time zone, as COPY INTO's _ingested_at is. -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'feedback_lakehouse')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    current_timestamp()
{%- endmacro %}

{% macro duckdb__utc_now() -%}
    cast(timezone('UTC', now()) as timestamp)
{%- endmacro %}
