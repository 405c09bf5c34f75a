{#- A label as a join key: lower-cased, trimmed, runs of whitespace as one space, so
    "Customer  Service Issue " and "customer service issue" match. Use it on both
    sides of a join between user-written labels (gold labels, gold_label_mapping). -#}
{% macro normalize_label(expression) -%}
    lower(trim({{ feedback_lakehouse.regex_replace(expression, '\\s+', ' ') }}))
{%- endmacro %}
