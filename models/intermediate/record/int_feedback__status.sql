-- The one place that decides a record's status (ok, needs_review, failed, deferred) and
-- why: named rules, first match wins, each with its own status_reason_code. The
-- providers record evidence only (category, confidence, language, review_signals) and
-- store an answered text as ok; the rules on an answer are the macro
-- answer_review_reason. A human review decision later clears needs_review
-- (int_feedback__reviewed).
--   empty_text             failed        nothing to classify
--   spam                   needs_review  spam rule hit (int_feedback__cleaned); not enriched
--   not_enriched           deferred      no answer yet; the next run picks it up
--   enrichment_<status>    the status    the provider in force failed (its error)
--   language_without_rules needs_review  the offline provider has no rules for the language
--   unknown_category       needs_review  no category of the taxonomy fits
--   low_confidence         needs_review  confidence below the review threshold in force,
--                                        whatever the provider said: the threshold measured
--                                        on calibration gold for the enrichment's provider,
--                                        model, prompt and taxonomy version where there is
--                                        one (int_eval__confidence_thresholds, var
--                                        review_threshold_from_eval), else the var
--                                        review_confidence_threshold
--   model_flagged          needs_review  the LLM's own answer asked for review
--   label_coerced          needs_review  a label outside the taxonomy was mapped
--   provider_flagged       needs_review  a row stored by an older build as needs_review
--                                        with no review_signals (no re-enrichment needed)
--   labelled               ok
-- The review threshold in force for an answer: int_eval__confidence_thresholds'
-- threshold_in_force for its provider, model, prompt and taxonomy version (measured on
-- calibration gold with var review_threshold_from_eval, else the var), the var
-- review_confidence_threshold for an enrichment with no calibration gold.
{%- set threshold = "coalesce(thresholds.threshold_in_force, "
    ~ var('review_confidence_threshold') ~ ")" %}
with

labels as (

    select * from {{ ref('int_feedback__labels_resolved') }}

),

thresholds as (

    select * from {{ ref('int_eval__confidence_thresholds') }}

),

evidence as (

    select
        labels.*,
        {{ threshold }} as review_threshold,
        {{ feedback_lakehouse.answer_review_reason(
            'labels.label_status', 'labels.model_main_category', 'labels.confidence',
            'labels.label_language', 'labels.provider', 'labels.review_signals', threshold
        ) }} as answer_review_reason
    from labels
    left join thresholds
        on
            thresholds.eval_key = {{ dbt.hash(dbt.concat([
                "labels.provider", "'|'", "labels.model", "'|'",
                "labels.prompt_version", "'|'", "labels.taxonomy_version"
            ])) }}

),

decided as (

    select
        *,
        case
            when is_empty then 'empty_text'
            when is_spam then 'spam'
            when not has_label then 'not_enriched'
            when label_status not in ('ok', 'needs_review')
                then {{ dbt.concat(["'enrichment_'", "label_status"]) }}
            when answer_review_reason is not null then answer_review_reason
            else 'labelled'
        end as status_reason_code
    from evidence

),

final as (

    select
        *,
        case
            when status_reason_code = 'empty_text' then 'failed'
            when status_reason_code = 'not_enriched' then 'deferred'
            when status_reason_code = 'labelled' then 'ok'
            when status_reason_code like 'enrichment_%' then label_status
            else 'needs_review'
        end as status,
        case status_reason_code
            when 'empty_text' then 'empty text: nothing to classify'
            when 'spam' then {{ dbt.concat([
                "'flagged as spam ('", "spam_signals", "'): not sent for enrichment'"
            ]) }}
            when 'not_enriched' then 'not enriched yet: the next run picks it up'
            when 'language_without_rules' then {{ dbt.concat([
                "'no offline rules for language '", "label_language",
                "': review it or use an LLM provider'"
            ]) }}
            when 'unknown_category' then 'low confidence or no category fits'
            when 'low_confidence' then 'low confidence or no category fits'
            when 'model_flagged' then 'the model asked for review'
            when 'label_coerced'
                then 'the answer named a category outside the taxonomy: mapped'
            when 'provider_flagged' then 'low confidence or no category fits'
            when 'labelled' then null
            else label_error
        end as status_reason
    from decided

)

select * from final
