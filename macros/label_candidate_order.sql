{#- Which enrichment of a text (within one taxonomy version) holds its labels: the
    window ordering for row_number() over the candidates, rank 1 wins. A successful answer
    (ok or needs_review) always beats a failure, so a failed or deferred run never masks an
    earlier good label; among successes the provider in force comes first, then the
    newest. A failure only shows when there is no success, deferred last. Callers keep as
    candidates the successful rows of every provider and the provider in force's failures
    (see label_candidate_filter). -#}
{% macro label_candidate_order() -%}
    case when status in ('ok', 'needs_review') then 0 else 1 end,
    case when provider = '{{ var("enrichment_provider") }}' then 0 else 1 end,
    case when status = 'deferred' then 1 else 0 end,
    enriched_at desc,
    enrichment_key asc
{%- endmacro %}
