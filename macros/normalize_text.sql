{#- The form used to find duplicates: lower case, letters, digits and single spaces only.
    Two texts that differ only in case, punctuation or spacing normalise alike. One
    pass: every run of characters that are not letters, digits, <, > or _ (whitespace
    included) becomes one space, so no whitespace run is left to collapse. -#}
{% macro normalize_text(expression) -%}
    trim({{ feedback_lakehouse.regex_replace(
        'lower(' ~ expression ~ ')', '[^\\p{L}\\p{N}<>_]+', ' '
    ) }})
{%- endmacro %}
