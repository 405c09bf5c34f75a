-- Each feedback record's current labels and their provenance, and nothing else: what the
-- snapshot `snp_feedback_labels` tracks, so every label change keeps its validity period.
with

feedback as (

    select * from {{ ref('fct_feedback') }}

),

final as (

    select
        feedback_id,
        main_category,
        secondary_categories,
        sentiment,
        urgency,
        suggested_owner,
        taxonomy_version,
        prompt_version,
        provider,
        model,
        enrichment_key
    from feedback

)

select * from final
