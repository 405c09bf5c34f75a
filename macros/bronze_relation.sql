{#- The bronze table of a landing source. On DuckDB the bronze Python models read the
    landing files, so this is a ref; elsewhere (Databricks, the local Spark smoke test)
    bronze is loaded outside dbt (COPY INTO, see load_bronze_databricks) and is the
    system's source: bronze_relation('shop__reviews') is source('shop', 'reviews'). -#}
{% macro bronze_relation(name) -%}
    {{ return(adapter.dispatch('bronze_relation', 'feedback_lakehouse')(name)) }}
{%- endmacro %}

{% macro default__bronze_relation(name) -%}
    {%- set system, entity = name.split('__') -%}
    {{ return(source(system, entity)) }}
{%- endmacro %}

{% macro duckdb__bronze_relation(name) -%}
    {{ return(ref('bronze_' ~ name)) }}
{%- endmacro %}
