{#- Mask personal data before any model sees the text. Tokens match the Python package's
    `feedback_lakehouse.pii` so both layers mask alike. Order matters: card numbers before
    phone numbers (both are digit runs). -#}
{% macro mask_pii(expression) -%}
    {%- set masked = feedback_lakehouse.regex_replace(
        expression, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}', '<EMAIL>') -%}
    {%- set masked = feedback_lakehouse.regex_replace(
        masked, '\\b[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{1,7}\\b', '<CARD>') -%}
    {%- set masked = feedback_lakehouse.regex_replace(
        masked, '\\b[Oo][Rr][Dd]-?[0-9]{4,}\\b', '<ORDER_ID>') -%}
    {%- set masked = feedback_lakehouse.regex_replace(
        masked, '\\+?[0-9][0-9 ()-]{7,}[0-9]', '<PHONE>') -%}
    {{ masked }}
{%- endmacro %}
