{#- Decode the HTML entities that shop and helpdesk exports leave in text. -#}
{% macro html_unescape(expression) -%}
    replace(replace(replace(replace(replace(replace(
        {{ expression }},
        '&nbsp;', ' '),
        '&lt;', '<'),
        '&gt;', '>'),
        '&quot;', '"'),
        '&#39;', ''''),
        '&amp;', '&')
{%- endmacro %}
