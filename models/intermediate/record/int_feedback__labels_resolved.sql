-- One row per canonical record with the labels in force: the newest successful answer
-- under the taxonomy version in force (the provider in force's first, then another
-- provider's), so a failed run never masks a good label; with no success, the provider
-- in force's failure (macros label_candidate_*). Beside them the provider in force's
-- newest attempt, whatever its status. Empty and spam texts take no labels. The labels
-- are evidence: int_feedback__status decides the status from them.
--
-- Texts are enriched once per text_hash, which drops case, punctuation and emoji, so
-- records that normalise alike share one answer. Emphasis is read per record from its
-- own clean_text (macros emphasis_score, emphasis_presses): it raises the record's
-- sentiment_intensity (at most to 1), and for a problem report (negative or mixed) it
-- raises the urgency: to high when the record presses ("!!!", ASAP, urgent), one level
-- (at most to high) when its emphasis score reaches 0.1. A neutral record that presses
-- is raised to high too (the offline provider's rules.pressed, the same rule: a problem
-- report read neutral, or a request for speed); other emphasis on a neutral text, and
-- any on a positive one, leaves the urgency. Never lowered. The answer's own values stay
-- in text_sentiment_intensity and text_urgency.
with

feedback as (

    select
        *,
        {{ feedback_lakehouse.emphasis_score('clean_text') }} as emphasis_score,
        {{ feedback_lakehouse.emphasis_presses('clean_text') }} as emphasis_presses
    from {{ ref('int_feedback__canonical') }}

),

enrichments as (

    select * from {{ feedback_lakehouse.enrichment_relation() }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

ranked_labels as (

    select
        *,
        row_number() over (
            partition by text_hash
            order by {{ feedback_lakehouse.label_candidate_order() }}
        ) as label_rank
    from enrichments
    where {{ feedback_lakehouse.label_candidate_filter() }}

),

current_labels as (

    select * from ranked_labels
    where label_rank = 1

),

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
    where provider = '{{ var("enrichment_provider") }}'

),

latest_attempts as (

    select * from ranked_attempts
    where attempt_rank = 1

),

labelled as (

    select
        feedback.*,
        current_labels.text_hash is not null as has_label,
        current_labels.enrichment_key,
        case
            when feedback.is_empty or feedback.is_spam then 'unknown'
            else coalesce(current_labels.main_category, 'unknown')
        end as model_main_category,
        current_labels.secondary_categories,
        current_labels.category_sentiments,
        coalesce(current_labels.sentiment, 'neutral') as model_sentiment,
        current_labels.sentiment_intensity as text_sentiment_intensity,
        current_labels.urgency as text_urgency,
        current_labels.root_cause_guess,
        current_labels.short_summary,
        current_labels.confidence,
        current_labels.language as label_language,
        current_labels.review_signals,
        current_labels.taxonomy_version,
        current_labels.prompt_version,
        current_labels.provider,
        current_labels.model,
        current_labels.enriched_at,
        current_labels.status as label_status,
        current_labels.error as label_error,
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

final as (

    select
        labelled.*,
        cast(case
            when labelled.text_sentiment_intensity is null then 0
            else round(least(1.0, labelled.text_sentiment_intensity + labelled.emphasis_score), 4)
        end as double) as sentiment_intensity,
        case
            when
                labelled.text_urgency is null
                or labelled.text_urgency in ('high', 'critical')
                then coalesce(labelled.text_urgency, 'low')
            when labelled.model_sentiment = 'neutral' and labelled.emphasis_presses then 'high'
            when labelled.model_sentiment not in ('negative', 'mixed') then labelled.text_urgency
            when labelled.emphasis_presses then 'high'
            when labelled.emphasis_score >= 0.1 and labelled.text_urgency = 'low' then 'medium'
            when labelled.emphasis_score >= 0.1 then 'high'
            else labelled.text_urgency
        end as model_urgency
    from labelled

)

select * from final
