{#- The form used to find duplicates: lower case, letters, digits and single spaces only.
    Two texts that differ only in case, punctuation or spacing normalise alike. -#}
{% macro normalize_text(expression) -%}
    trim({{ feedback_lakehouse.regex_replace(
        feedback_lakehouse.regex_replace('lower(' ~ expression ~ ')', '[^\\p{L}\\p{N}<>_]+', ' '),
        '\\s+', ' '
    ) }})
{%- endmacro %}
