{#- One row per entry of a category_sentiments JSON array ('[{"category": ...,
    "sentiment": ...}]'), as a struct with the fields category and sentiment: a generator
    for a select list (`... as item`, then `item.category`). A null or empty array gives
    no row. -#}
{% macro category_sentiment_items(expression) -%}
    {{ return(adapter.dispatch('category_sentiment_items', 'feedback_lakehouse')(expression)) }}
{%- endmacro %}

{% macro default__category_sentiment_items(expression) -%}
    explode(from_json({{ expression }}, 'array<struct<category:string,sentiment:string>>'))
{%- endmacro %}

{% macro duckdb__category_sentiment_items(expression) -%}
    unnest(from_json({{ expression }}, '[{"category": "VARCHAR", "sentiment": "VARCHAR"}]'))
{%- endmacro %}
