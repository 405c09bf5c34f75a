{#- Parse a string in one of the landing files' timestamp formats; null when it does not
    parse. `format` is a key, not an engine pattern, so models stay engine-neutral. -#}
{% macro parse_timestamp(expression, format) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'feedback_lakehouse')(expression, format)) }}
{%- endmacro %}

{% macro _timestamp_formats() -%}
    {{ return({
        'iso_seconds': {'strftime': '%Y-%m-%d %H:%M:%S', 'java': 'yyyy-MM-dd HH:mm:ss'},
        'iso_zulu': {'strftime': '%Y-%m-%dT%H:%M:%SZ', 'java': "yyyy-MM-dd''T''HH:mm:ss''Z''"},
        'iso_date': {'strftime': '%Y-%m-%d', 'java': 'yyyy-MM-dd'},
        'day_first_minutes': {'strftime': '%d/%m/%Y %H:%M', 'java': 'dd/MM/yyyy HH:mm'},
    }) }}
{%- endmacro %}

{% macro default__parse_timestamp(expression, format) -%}
    {%- set pattern = feedback_lakehouse._timestamp_formats()[format]['java'] -%}
    try_to_timestamp({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__parse_timestamp(expression, format) -%}
    {%- set pattern = feedback_lakehouse._timestamp_formats()[format]['strftime'] -%}
    try_strptime({{ expression }}, '{{ pattern }}')
{%- endmacro %}
