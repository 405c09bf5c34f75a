{#- The continuous percentile (0-1) of an expression, as an aggregate. -#}
{% macro percentile_value(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_value', 'feedback_lakehouse')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile_value(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile_value(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}
