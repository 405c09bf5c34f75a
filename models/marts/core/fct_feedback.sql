-- One row per feedback record with its current labels (taxonomy version and provider in
-- force), its status and reason, and a priority score. Every canonical record is here.
-- Built in steps, one decision each: int_feedback__labels_resolved (labels in force),
-- int_feedback__status (status from named rules), int_feedback__reviewed (human review
-- applied), int_feedback__prioritised (calendar and priority score).
with

prioritised as (

    select * from {{ ref('int_feedback__prioritised') }}

),

final as (

    select
        feedback_id,
        source,
        source_record_id,
        channel,
        product_sku,
        app_version,
        customer_id,
        customer_tier,
        cast(rating_normalized as double) as rating_normalized,
        original_text,
        clean_text,
        masked_text,
        text_hash,
        language,
        is_empty,
        is_spam,
        duplicate_group_size,
        main_category,
        parent_category_id,
        secondary_categories,
        sentiment,
        sentiment_intensity,
        urgency,
        suggested_owner,
        root_cause_guess,
        short_summary,
        confidence,
        needs_review,
        status,
        status_reason_code,
        status_reason,
        latest_attempt_status,
        latest_attempt_error,
        labels_taxonomy_version as taxonomy_version,
        prompt_version,
        provider,
        model,
        enrichment_key,
        created_at,
        cast(created_at as date) as created_date,
        week_start_date,
        weeks_before_as_of,
        ingested_at,
        enriched_at,
        priority_score,
        model_main_category,
        model_sentiment,
        model_urgency,
        is_reviewed,
        review_verdict,
        reviewed_by,
        reviewed_at
    from prioritised

)

select * from final
