-- One row per enrichment ever produced (every taxonomy version, prompt version, provider
-- and model), without the text: provenance, labels and cost. Public, so review and KPI
-- marts outside the pipeline group can compare providers and count cost.
{%- set taxonomy_version = taxonomy_version_in_force() %}

with

enrichments as (

    select * from {{ feedback_lakehouse.enrichment_relation() }}

),

final as (

    select
        cast(enrichment_key as string) as enrichment_key,
        cast(text_hash as string) as text_hash,
        cast(taxonomy_version as string) as taxonomy_version,
        cast(prompt_version as string) as prompt_version,
        cast(provider as string) as provider,
        cast(model as string) as model,
        cast(status as string) as status,
        cast(main_category as string) as main_category,
        cast(sentiment as string) as sentiment,
        cast(category_sentiments as string) as category_sentiments,
        cast(urgency as string) as urgency,
        cast(confidence as double) as confidence,
        cast(needs_review as boolean) as needs_review,
        cast(enriched_at as timestamp) as enriched_at,
        cast(prompt_tokens as bigint) as prompt_tokens,
        cast(completion_tokens as bigint) as completion_tokens,
        cast(latency_ms as double) as latency_ms,
        cast(coalesce(cost_usd, 0) as double) as cost_usd,
        cast(
            taxonomy_version = {{ taxonomy_version }}
            and provider = '{{ var("enrichment_provider") }}'
            as boolean
        ) as is_in_force
    from enrichments

)

select * from final
