-- The one place that decides a record's status (ok, needs_review, failed, deferred) and
-- why: named rules, first match wins, each with its own status_reason_code. The
-- providers' answers are evidence (their status, category, confidence, language), not
-- the decision. A human review decision later clears needs_review (int_feedback__reviewed).
--   empty_text            failed        nothing to classify
--   spam                  needs_review  spam rule hit (int_feedback__cleaned); not enriched
--   not_enriched          deferred      no answer yet; the next run picks it up
--   enrichment_<status>   the status    the provider in force failed (its error)
--   language_without_rules needs_review the offline provider has no rules for the language
--   unknown_category      needs_review  no category of the taxonomy fits
--   low_confidence        needs_review  flagged, confidence below review_confidence_threshold
--   provider_flagged      needs_review  flagged by the provider for another reason
--   below_eval_threshold  needs_review  var review_threshold_from_eval: confidence below
--                                       the threshold measured on gold labels
--   labelled              ok
with

labels as (

    select * from {{ ref('int_feedback__labels_resolved') }}

),
{%- if var('review_threshold_from_eval') %}

thresholds as (

    select * from {{ ref('int_eval__confidence_thresholds') }}

),
{%- endif %}

evidence as (

    select
        labels.*,
        {% if var('review_threshold_from_eval') -%}
            coalesce(labels.confidence < thresholds.confidence_threshold, false)
        {%- else -%}
            false
        {%- endif %} as is_below_eval_threshold
    from labels
    {%- if var('review_threshold_from_eval') %}
    left join thresholds
        on
            thresholds.eval_key = {{ dbt.hash(dbt.concat([
                "labels.provider", "'|'", "labels.model", "'|'",
                "labels.prompt_version", "'|'", "labels.taxonomy_version"
            ])) }}
    {%- endif %}

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
            when
                label_status = 'needs_review'
                and provider = 'offline'
                and model_main_category = 'unknown'
                and label_language is not null
                and label_language != 'en'
                and label_language not like 'en-%'
                then 'language_without_rules'
            when label_status = 'needs_review' and model_main_category = 'unknown'
                then 'unknown_category'
            when
                label_status = 'needs_review'
                and confidence < {{ var('review_confidence_threshold') }}
                then 'low_confidence'
            when label_status = 'needs_review' then 'provider_flagged'
            when is_below_eval_threshold then 'below_eval_threshold'
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
            when 'provider_flagged' then 'low confidence or no category fits'
            when 'below_eval_threshold'
                then 'confidence below the threshold measured on gold labels'
            when 'labelled' then null
            else label_error
        end as status_reason
    from decided

)

select * from final
