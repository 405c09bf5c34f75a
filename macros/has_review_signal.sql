{#- True when the comma-joined review_signals expression holds the code (exact match,
    not a substring); false when it is null. -#}
{% macro has_review_signal(signals, code) -%}
    coalesce({{ dbt.concat(["','", signals, "','"]) }} like '%,{{ code }},%', false)
{%- endmacro %}
