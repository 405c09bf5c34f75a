{#- The review rules of one answered enrichment, first match wins, as a case expression
    that gives the rule's reason code or null (no rule fires). The providers record
    evidence only (confidence, category, language, review_signals); this macro is the
    one place that turns it into a reason. int_feedback__status calls it for each
    record's labels, int_eval__pairs for each evaluated answer (its needs_review).
    Rows stored before review_signals existed carry status needs_review and no signals:
    an offline unknown in another language is language_without_rules as before, any
    other such row whose confidence passes is provider_flagged.
    threshold: the confidence threshold in force, a SQL expression (default the var
    review_confidence_threshold; int_feedback__status passes the threshold measured on
    gold labels where there is one, int_eval__calibration_pairs -1 for the rules that do
    not depend on the threshold). -#}
{% macro answer_review_reason(
    status, main_category, confidence, language, provider, signals, threshold=none
) -%}
    {%- set threshold = threshold if threshold is not none
        else var('review_confidence_threshold') %}
    case
        when
            {{ feedback_lakehouse.has_review_signal(signals, 'no_rules_for_language') }}
            or (
                {{ status }} = 'needs_review'
                and {{ signals }} is null
                and {{ provider }} = 'offline'
                and {{ main_category }} = 'unknown'
                and {{ language }} is not null
                and {{ language }} != 'en'
                and {{ language }} not like 'en-%'
            )
            then 'language_without_rules'
        when {{ main_category }} = 'unknown' then 'unknown_category'
        -- the taxonomy's words placed nothing and the self-trained model's guess is unsure:
        -- no category fits (topic discovery reads this bucket), the guess kept for review
        when
            {{ feedback_lakehouse.has_review_signal(signals, 'no_taxonomy_words') }}
            and {{ confidence }} < {{ threshold }}
            then 'unknown_category'
        when {{ confidence }} < {{ threshold }}
            then 'low_confidence'
        when {{ feedback_lakehouse.has_review_signal(signals, 'model_flagged') }}
            then 'model_flagged'
        when {{ feedback_lakehouse.has_review_signal(signals, 'label_coerced') }}
            then 'label_coerced'
        when {{ status }} = 'needs_review' then 'provider_flagged'
    end
{%- endmacro %}
