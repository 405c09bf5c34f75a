-- One row per feedback record with its current labels (taxonomy version and provider in
-- force), its status and reason, and a priority score. Every canonical record is here.
-- A human review decision overrides the model's category, sentiment and urgency; the
-- model's labels stay beside them (model_*). Reviewer labels are labels: on a record
-- that was never enriched (spam, empty, not yet enriched) they apply with the taxonomy
-- version in force, the version its corrected category was checked against.
{%- set weights = {
    'negativity': var('priority_weight_negativity'),
    'intensity': var('priority_weight_intensity'),
    'criticality': var('priority_weight_criticality'),
    'tier': var('priority_weight_tier'),
    'recency': var('priority_weight_recency'),
} %}
{%- set weight_sum = weights.values() | sum %}

with

feedback as (

    select * from {{ ref('int_feedback__canonical') }}

),

enrichments as (

    select * from {{ feedback_lakehouse.enrichment_relation() }}

),

categories as (

    select * from {{ ref('taxonomy_categories') }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

calendar as (

    select * from {{ ref('int_reporting_calendar') }}

),

reviews as (

    select * from {{ ref('int_review_decisions__latest') }}

),
{%- if var('review_threshold_from_eval') %}

-- var review_threshold_from_eval: below the confidence threshold measured against gold
-- labels (int_eval__confidence_thresholds) an item is sent to review as well
thresholds as (

    select * from {{ ref('int_eval__confidence_thresholds') }}

),
{%- endif %}

-- the newest successful answer under the taxonomy version in force (the provider in
-- force's first, then another provider's), so a failed run never masks a good label;
-- with no success, the provider in force's failure (macros label_candidate_*)
ranked_labels as (

    select
        *,
        row_number() over (
            partition by text_hash
            order by {{ feedback_lakehouse.label_candidate_order() }}
        ) as label_rank
    from enrichments
    where
        taxonomy_version = {{ taxonomy_version_in_force() }}
        and {{ feedback_lakehouse.label_candidate_filter() }}

),

current_labels as (

    select * from ranked_labels
    where label_rank = 1

),

-- the provider in force's newest attempt, whatever its status: what the last run did,
-- shown beside the labels so a failure behind an earlier good label stays visible
ranked_attempts as (

    select
        text_hash,
        status,
        error,
        row_number() over (
            partition by text_hash
            order by enriched_at desc, enrichment_key asc
        ) as attempt_rank
    from enrichments
    where
        taxonomy_version = {{ taxonomy_version_in_force() }}
        and provider = '{{ var("enrichment_provider") }}'

),

latest_attempts as (

    select * from ranked_attempts
    where attempt_rank = 1

),

labelled as (

    select
        feedback.*,
        current_labels.enrichment_key,
        case
            when feedback.is_empty or feedback.is_spam then 'unknown'
            else coalesce(current_labels.main_category, 'unknown')
        end as model_main_category,
        current_labels.secondary_categories,
        coalesce(current_labels.sentiment, 'neutral') as model_sentiment,
        coalesce(current_labels.sentiment_intensity, 0) as sentiment_intensity,
        coalesce(current_labels.urgency, 'low') as model_urgency,
        current_labels.root_cause_guess,
        current_labels.short_summary,
        current_labels.confidence,
        current_labels.taxonomy_version,
        current_labels.prompt_version,
        current_labels.provider,
        current_labels.model,
        current_labels.enriched_at,
        case
            when feedback.is_empty then 'failed'
            when feedback.is_spam then 'needs_review'
            when current_labels.text_hash is null then 'deferred'
            else current_labels.status
        end as status,
        case
            when feedback.is_empty then 'empty text: nothing to classify'
            when feedback.is_spam then {{ dbt.concat([
                "'flagged as spam ('", "feedback.spam_signals", "'): not sent for enrichment'"
            ]) }}
            when current_labels.text_hash is null then 'not enriched yet: the next run picks it up'
            when current_labels.status = 'needs_review' then 'low confidence or no category fits'
            else current_labels.error
        end as status_reason,
        latest_attempts.status as latest_attempt_status,
        latest_attempts.error as latest_attempt_error
    from feedback
    left join current_labels
        on
            feedback.text_hash = current_labels.text_hash
            and not feedback.is_empty
            and not feedback.is_spam
    left join latest_attempts
        on
            feedback.text_hash = latest_attempts.text_hash
            and not feedback.is_empty
            and not feedback.is_spam

),

reviewed as (

    select
        labelled.*,
        coalesce(reviews.corrected_category, labelled.model_main_category) as main_category,
        coalesce(reviews.corrected_sentiment, labelled.model_sentiment) as sentiment,
        coalesce(reviews.corrected_urgency, labelled.model_urgency) as urgency,
        case
            when labelled.taxonomy_version is not null then labelled.taxonomy_version
            when reviews.feedback_id is not null then {{ taxonomy_version_in_force() }}
        end as labels_taxonomy_version,
        reviews.feedback_id is not null as is_reviewed,
        reviews.verdict as review_verdict,
        reviews.reviewer as reviewed_by,
        reviews.decided_at as reviewed_at,
        {% if var('review_threshold_from_eval') -%}
            coalesce(labelled.confidence < thresholds.confidence_threshold, false)
        {%- else -%}
            false
        {%- endif %} as is_below_eval_threshold
    from labelled
    left join reviews
        on labelled.feedback_id = reviews.feedback_id
    {%- if var('review_threshold_from_eval') %}
    left join thresholds
        on
            thresholds.eval_key = {{ dbt.hash(dbt.concat([
                "labelled.provider", "'|'", "labelled.model", "'|'",
                "labelled.prompt_version", "'|'", "labelled.taxonomy_version"
            ])) }}
    {%- endif %}

),

with_category as (

    select
        reviewed.*,
        categories.owner_team as suggested_owner,
        categories.parent_category_id,
        coalesce(categories.criticality, 2) as category_criticality,
        calendar.as_of_date,
        greatest(
            {{ feedback_lakehouse.timestamp_diff(
                'cast(reviewed.created_at as date)', 'calendar.as_of_date', 'day'
            ) }},
            0
        ) as days_before_as_of
    from reviewed
    left join categories
        on reviewed.main_category = categories.category_id
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
    from with_category

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
        (status = 'needs_review' or is_below_eval_threshold)
        and not is_reviewed as needs_review,
        status,
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
