-- One row per feedback record with its current labels (the taxonomy version and provider
-- in force), status and reason, and a priority score. Every canonical record is here.
-- A human review decision overrides the model's category, sentiment and urgency; the
-- model's labels stay beside them (model_*).
--
-- A view over int_feedback__labelled (incremental) that adds what depends on the
-- reporting date: the reporting week and the priority score, whose recency term decays
-- with the days before as_of_date. Storing them meant rewriting every record whenever
-- the date moved, i.e. on every daily run.
{%- set weights = {
    'negativity': var('priority_weight_negativity'),
    'intensity': var('priority_weight_intensity'),
    'criticality': var('priority_weight_criticality'),
    'tier': var('priority_weight_tier'),
    'recency': var('priority_weight_recency'),
} %}
{%- set weight_sum = weights.values() | sum %}
{{ config(materialized='view') }}

with

labelled as (

    select * from {{ ref('int_feedback__labelled') }}

),

calendar as (

    select * from {{ ref('int_reporting_calendar') }}

),

dated as (

    select
        labelled.*,
        calendar.as_of_date,
        greatest(
            {{ feedback_lakehouse.timestamp_diff(
                'labelled.created_date', 'calendar.as_of_date', 'day'
            ) }},
            0
        ) as days_before_as_of
    from labelled
    cross join calendar

),

scored as (

    select
        *,
        cast(floor(days_before_as_of / 7) as integer) as weeks_before_as_of,
        case sentiment
            when 'negative' then 1.0
            when 'mixed' then 0.6
            when 'neutral' then 0.3
            else 0.0
        end as negativity,
        case customer_tier
            when 'enterprise' then 1.0
            when 'premium' then 0.75
            when 'standard' then 0.5
            when 'free' then 0.25
            else 0.4
        end as tier_weight,
        power(0.5, days_before_as_of / {{ var('priority_recency_half_life_days') }})
            as recency_weight
    from dated

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
        rating_normalized,
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
        status_reason,
        taxonomy_version,
        prompt_version,
        provider,
        model,
        enrichment_key,
        created_at,
        created_date,
        cast(
            {{ feedback_lakehouse.add_interval(
                'day', '-6 - 7 * weeks_before_as_of', 'as_of_date'
            ) }} as date
        ) as week_start_date,
        weeks_before_as_of,
        ingested_at,
        enriched_at,
        round(
            100 * (
                {{ weights.negativity }} * negativity
                + {{ weights.intensity }} * sentiment_intensity
                + {{ weights.criticality }} * category_criticality / 5.0
                + {{ weights.tier }} * tier_weight
                + {{ weights.recency }} * recency_weight
            ) / {{ weight_sum }},
            2
        ) as priority_score,
        model_main_category,
        model_sentiment,
        model_urgency,
        is_reviewed,
        review_verdict,
        reviewed_by,
        reviewed_at
    from scored

)

select * from final
