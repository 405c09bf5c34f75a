{#- Cleaning that keeps meaning: drop HTML tags, decode the common entities, collapse
    whitespace. Emoticons, emoji, "!!!" and product names are kept as written. -#}
{% macro clean_text(expression) -%}
    trim({{ feedback_lakehouse.regex_replace(
        feedback_lakehouse.html_unescape(
            feedback_lakehouse.regex_replace(expression, '<[^>]*>', ' ')
        ),
        '\\s+', ' '
    ) }})
{%- endmacro %}
