{#- Whole `datepart` boundaries between two dates or timestamps (second minus first), like
    dbt.datediff. On Databricks dbt.datediff asks the warehouse for its runtime version,
    so compiling it needs a connection: this one never does. -#}
{% macro timestamp_diff(first, second, datepart) -%}
    {{ return(adapter.dispatch('timestamp_diff', 'feedback_lakehouse')(first, second, datepart)) }}
{%- endmacro %}

{% macro default__timestamp_diff(first, second, datepart) -%}
    timestampdiff(
        {{ datepart }},
        date_trunc('{{ datepart }}', {{ first }}),
        date_trunc('{{ datepart }}', {{ second }})
    )
{%- endmacro %}

{% macro duckdb__timestamp_diff(first, second, datepart) -%}
    {{ dbt.datediff(first, second, datepart) }}
{%- endmacro %}
