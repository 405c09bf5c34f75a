{#- Mask personal data before any model sees the text, with the package's one masking
    implementation (`feedback_lakehouse.text.pii.mask_pii`) called as a SQL function:
    - DuckDB: `feedback_mask_pii`, added to every connection by the dbt-duckdb plugin
      `feedback_lakehouse.text.duckdb_udfs` (profiles/profiles.yml);
    - Databricks: the Unity Catalog Python function that `create_mask_pii_function`
      creates at the start of each run (on-run-start) in the target catalog and schema;
    - the local Spark session: the session function scripts/spark_smoke.py registers. -#}
{% macro mask_pii(expression) -%}
    {{ return(adapter.dispatch('mask_pii', 'feedback_lakehouse')(expression)) }}
{%- endmacro %}

{% macro default__mask_pii(expression) -%}
    feedback_mask_pii({{ expression }})
{%- endmacro %}

{% macro databricks__mask_pii(expression) -%}
    {{ target.catalog }}.{{ target.schema }}.feedback_mask_pii({{ expression }})
{%- endmacro %}
