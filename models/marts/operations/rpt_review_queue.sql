-- The human review queue, one row per feedback record not reviewed yet that a person
-- should check: the status rules sent it to review (int_feedback__status: low
-- confidence below the one var review_confidence_threshold, nothing fits, ...), or two
-- providers or models labelled the same text differently. Spam, praise and empty texts
-- stay out unless var review_include_spam / review_include_praise / review_include_empty
-- asks for them (their status and reason stay in fct_feedback).
-- Order: expected value of a review = priority_score x uncertainty, where uncertainty
-- is the measured error rate of the label's confidence bin (rpt_eval_calibration, gold
-- labels of the same provider, model, prompt and taxonomy version, at least var
-- eval_min_items items in the bin), else 1 - confidence (1 without a confidence).
-- Each owner team's first var review_daily_budget_per_team items are within today's
-- budget (is_within_daily_budget); the rest stays visible as the backlog.
{{ feedback_lakehouse.retired_var(
    'review_low_confidence', 'review_confidence_threshold',
    "the queue takes the status rules' one confidence threshold."
) }}
{%- set budget = var('review_daily_budget_per_team') %}
{%- set order_by = 'expected_value desc, priority_score desc, created_at desc, feedback_id asc' %}

with

feedback as (

    select
        *,
        {{ feedback_lakehouse.eval_key() }} as eval_key
    from {{ ref('fct_feedback_reporting') }}
    where
        not is_reviewed
        {%- if not var('review_include_empty') %}
            and not is_empty
        {%- endif %}
        {%- if not var('review_include_spam') %}
            and not is_spam
        {%- endif %}
        {%- if not var('review_include_praise') %}
            and coalesce(main_category, '') != 'praise'
        {%- endif %}

),

enrichments as (

    select * from {{ ref('fct_enrichments') }}
    where status in ('ok', 'needs_review')

),

calibration as (

    select * from {{ ref('rpt_eval_calibration') }}
    where items >= {{ var('eval_min_items') }}

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
        coalesce(feedback.status_reason_code = 'low_confidence', false) as is_low_confidence
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
        or has_provider_disagreement

),

scored as (

    select
        queued.*,
        coalesce(queued.suggested_owner, '(unrouted)') as owner_team,
        case
            when queued.confidence is null then 'no_confidence'
            when calibration.accuracy is not null then 'calibration'
            else 'confidence'
        end as uncertainty_source,
        case
            when queued.confidence is null then 1.0
            when calibration.accuracy is not null then 1.0 - calibration.accuracy
            else 1.0 - queued.confidence
        end as uncertainty
    from queued
    left join calibration
        on
            queued.eval_key = calibration.eval_key
            and {{ feedback_lakehouse.confidence_bin('queued.confidence') }}
            = calibration.bin_index

),

valued as (

    select
        *,
        round(priority_score * uncertainty, 4) as expected_value
    from scored

),

ranked as (

    select
        *,
        row_number() over (order by {{ order_by }}) as overall_rank,
        row_number() over (
            partition by owner_team order by {{ order_by }}
        ) as team_rank
    from valued

),

final as (

    select
        cast(overall_rank as int) as queue_rank,
        cast(feedback_id as string) as feedback_id,
        cast(
            case
                when has_provider_disagreement then 'provider_disagreement'
                else coalesce(status_reason_code, 'flagged_needs_review')
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
        cast(uncertainty as double) as uncertainty,
        cast(uncertainty_source as string) as uncertainty_source,
        cast(expected_value as double) as expected_value,
        cast(owner_team as string) as owner_team,
        cast(team_rank as int) as team_queue_rank,
        cast(
            {% if budget is none -%}
                true
            {%- else -%}
                team_rank <= {{ budget }}
            {%- endif %} as boolean
        ) as is_within_daily_budget,
        cast(taxonomy_version as string) as taxonomy_version,
        cast(prompt_version as string) as prompt_version,
        cast(created_at as timestamp) as created_at
    from ranked

)

select * from final
