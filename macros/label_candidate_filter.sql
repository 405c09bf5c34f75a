{#- The enrichments that may hold a text's labels, as a where-clause condition: any
    provider's successful answer (ok or needs_review), and the failures (failed,
    deferred) of the provider in force only; another provider's failure is not news for
    the provider in force. Ordered by label_candidate_order. -#}
{% macro label_candidate_filter() -%}
    (
        status in ('ok', 'needs_review')
        or provider = '{{ var("enrichment_provider") }}'
    )
{%- endmacro %}
