{#- The enrichment table the marts read: the Python model int_texts__enriched, or with
    enrichment_provider ai_query (Databricks model serving) the SQL model
    int_texts__enriched_ai_query, which has the same columns. -#}
{% macro enrichment_relation() -%}
    {%- if var('enrichment_provider') == 'ai_query' -%}
        {{ return(ref('int_texts__enriched_ai_query')) }}
    {%- else -%}
        {{ return(ref('int_texts__enriched')) }}
    {%- endif -%}
{%- endmacro %}
