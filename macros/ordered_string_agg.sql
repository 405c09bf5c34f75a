{#- Aggregate the values of a string expression into one string, sorted by the value and
    joined by `delimiter` (a SQL string literal). dbt.listagg ignores its ordering on
    Spark and Databricks; sorting the collected values is deterministic on both. -#}
{% macro ordered_string_agg(expression, delimiter) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'feedback_lakehouse')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expression, delimiter) -%}
    array_join(array_sort(collect_list({{ expression }})), {{ delimiter }})
{%- endmacro %}

{% macro duckdb__ordered_string_agg(expression, delimiter) -%}
    string_agg({{ expression }}, {{ delimiter }} order by {{ expression }})
{%- endmacro %}
