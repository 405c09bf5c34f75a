{#- Replace every match of a regular expression (RE2 on DuckDB, Java regex on Spark).
    Keep patterns to the syntax both share. -#}
{% macro regex_replace(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace', 'feedback_lakehouse')(expression, pattern, replacement)) }}
{%- endmacro %}

{#- Spark SQL string literals treat a backslash as an escape: double it. -#}
{% macro default__regex_replace(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__regex_replace(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}
