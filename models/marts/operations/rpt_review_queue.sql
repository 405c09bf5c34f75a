-- The human review queue, one row per feedback record not reviewed yet that a person
-- should check: the pipeline flagged it (low confidence, nothing fits, spam), its
-- confidence is below `review_low_confidence`, or two providers or models labelled the
-- same text differently. Highest priority first. `feedback review export` writes it.
with

feedback as (

    select * from {{ ref('fct_feedback_reporting') }}
    where
        not is_empty
        and not is_reviewed

),

enrichments as (

    select * from {{ ref('fct_enrichments') }}
    where status in ('ok', 'needs_review')

),

labels as (

    select distinct
        text_hash,
        taxonomy_version,
        provider,
        model,
        main_category
    from enrichments

),

provider_labels as (

    select
        text_hash,
        taxonomy_version,
        count(distinct main_category) as distinct_categories,
        {{ feedback_lakehouse.ordered_string_agg(
            dbt.concat(["provider", "'/'", "model", "'='", "main_category"]),
            "'; '"
        ) }} as labels_by_provider
    from labels
    group by text_hash, taxonomy_version

),

flagged as (

    select
        feedback.*,
        coalesce(provider_labels.distinct_categories, 1) > 1 as has_provider_disagreement,
        provider_labels.labels_by_provider,
        coalesce(feedback.confidence < {{ var('review_low_confidence') }}, false)
            as is_low_confidence
    from feedback
    left join provider_labels
        on
            feedback.text_hash = provider_labels.text_hash
            and feedback.taxonomy_version = provider_labels.taxonomy_version

),

queued as (

    select * from flagged
    where
        needs_review
        or is_low_confidence
        or has_provider_disagreement

),

final as (

    select
        cast(
            row_number() over (
                order by priority_score desc, created_at desc, feedback_id asc
            ) as int
        ) as queue_rank,
        cast(feedback_id as string) as feedback_id,
        cast(
            case
                when has_provider_disagreement then 'provider_disagreement'
                when needs_review then 'flagged_needs_review'
                else 'low_confidence'
            end as string
        ) as review_reason,
        cast(needs_review as boolean) as is_flagged_needs_review,
        cast(is_low_confidence as boolean) as is_low_confidence,
        cast(has_provider_disagreement as boolean) as has_provider_disagreement,
        cast(labels_by_provider as string) as labels_by_provider,
        cast(status_reason as string) as status_reason,
        cast(source as string) as source,
        cast(channel as string) as channel,
        cast(product_sku as string) as product_sku,
        cast(app_version as string) as app_version,
        cast(masked_text as string) as masked_text,
        cast(model_main_category as string) as model_main_category,
        cast(secondary_categories as string) as secondary_categories,
        cast(model_sentiment as string) as model_sentiment,
        cast(model_urgency as string) as model_urgency,
        cast(confidence as double) as confidence,
        cast(suggested_owner as string) as suggested_owner,
        cast(priority_score as double) as priority_score,
        cast(taxonomy_version as string) as taxonomy_version,
        cast(prompt_version as string) as prompt_version,
        cast(created_at as timestamp) as created_at
    from queued

)

select * from final
