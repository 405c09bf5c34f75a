{#- A date or timestamp plus `interval` (an integer expression) `datepart`s, like
    dbt.dateadd, without the warehouse round trip dbt.dateadd makes on Databricks. -#}
{% macro add_interval(datepart, interval, from_date_or_timestamp) -%}
    {{ return(adapter.dispatch('add_interval', 'feedback_lakehouse')(
        datepart, interval, from_date_or_timestamp)) }}
{%- endmacro %}

{% macro default__add_interval(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{% macro duckdb__add_interval(datepart, interval, from_date_or_timestamp) -%}
    {{ dbt.dateadd(datepart, interval, from_date_or_timestamp) }}
{%- endmacro %}
