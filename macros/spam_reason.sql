{#- The names of the spam signals a row hit, comma-separated ('' when none), from the
    boolean columns `<prefix><name>` (see spam_signals). -#}
{% macro spam_reason(prefix='spam_') -%}
    {%- set parts = [] -%}
    {%- for signal in feedback_lakehouse.spam_signals() -%}
        {%- do parts.append("case when " ~ prefix ~ signal.name ~ " then ', " ~ signal.name ~ "' else '' end") -%}
    {%- endfor -%}
    substring({{ dbt.concat(parts) }}, 3)
{%- endmacro %}
