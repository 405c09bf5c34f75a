{#- The gold-vs-predicted pairs of one gold split: one row per gold label of the split and
    enrichment of its text (int_eval__pairs: the held-out test split; int_eval__
    calibration_pairs: the calibration split the review threshold is measured on).
    threshold: the confidence threshold needs_review applies, a SQL expression over the
    joined rows (see answer_review_reason); with_measured_thresholds: join
    int_eval__confidence_thresholds (alias thresholds) so the expression can use the
    threshold measured for the enrichment. -#}
{% macro eval_gold_pairs(split, threshold, with_measured_thresholds=false) %}
with

gold as (

    select * from {{ ref('int_gold_labels') }}
    where split = '{{ split }}'

),

enrichments as (

    select * from {{ feedback_lakehouse.enrichment_relation() }}
    where status != 'deferred'

),

taxonomy_mapping as (

    select * from {{ ref('taxonomy_mapping') }}
    where mapping_type in ('same', 'merge')

),

label_mapping as (

    select * from {{ ref('gold_label_mapping') }}

),

-- a coarse label may map to several categories of a version (a helpdesk tag covering a
-- taxonomy split): any of them is right; a wrong prediction is compared with the first
-- by id (macro gold_label_first_category), so each gold label stays one pair
label_mapping_first as (

    {{ feedback_lakehouse.gold_label_first_category('label_mapping') }}

),

joined as (

    select
        gold.feedback_id,
        gold.text_hash,
        enrichments.enrichment_key,
        enrichments.provider,
        enrichments.model,
        enrichments.prompt_version,
        enrichments.taxonomy_version,
        case
            when gold.gold_category is null then null
            when
                {{ feedback_lakehouse.normalize_label('gold.label_scheme') }}
                in ('taxonomy', lower(enrichments.taxonomy_version))
                then gold.gold_category
            when taxonomy_mapping.to_category_id is not null
                then taxonomy_mapping.to_category_id
            else coalesce(label_match.category_id, label_first.category_id)
        end as gold_category,
        gold.gold_sentiment,
        coalesce(enrichments.main_category, 'unknown') as predicted_category,
        case
            when enrichments.sentiment = 'mixed' and {{ var('eval_mixed_as_neutral') }}
                then 'neutral'
            else coalesce(enrichments.sentiment, 'neutral')
        end as predicted_sentiment,
        coalesce(enrichments.confidence, 0) as confidence,
        -- a failed answer, or one a review rule sends to review (int_feedback__status)
        coalesce(
            enrichments.status not in ('ok', 'needs_review')
            or {{ feedback_lakehouse.answer_review_reason(
                'enrichments.status', 'enrichments.main_category', 'enrichments.confidence',
                'enrichments.language', 'enrichments.provider', 'enrichments.review_signals',
                threshold
            ) }} is not null,
            true
        ) as needs_review,
        case
            when enrichments.provider != 'cascade' then null
            when enrichments.rationale like '[cascade: llm]%' then 'llm'
            else 'local'
        end as cascade_side
    from gold
    inner join enrichments
        on gold.text_hash = enrichments.text_hash
    {%- if with_measured_thresholds %}
    left join {{ ref('int_eval__confidence_thresholds') }} as thresholds
        on
            thresholds.eval_key = {{ dbt.hash(dbt.concat([
                "enrichments.provider", "'|'", "enrichments.model", "'|'",
                "enrichments.prompt_version", "'|'", "enrichments.taxonomy_version"
            ])) }}
    {%- endif %}
    left join taxonomy_mapping
        on
            {{ feedback_lakehouse.normalize_label('gold.label_scheme') }}
            = {{ feedback_lakehouse.normalize_label('taxonomy_mapping.from_version') }}
            and enrichments.taxonomy_version = taxonomy_mapping.to_version
            and {{ feedback_lakehouse.normalize_label('gold.gold_category') }}
            = {{ feedback_lakehouse.normalize_label('taxonomy_mapping.from_category_id') }}
    left join label_mapping as label_match
        on
            {{ feedback_lakehouse.normalize_label('gold.label_scheme') }}
            = {{ feedback_lakehouse.normalize_label('label_match.label_scheme') }}
            and {{ feedback_lakehouse.normalize_label('gold.gold_category') }}
            = {{ feedback_lakehouse.normalize_label('label_match.gold_label') }}
            and enrichments.taxonomy_version = label_match.taxonomy_version
            and coalesce(enrichments.main_category, 'unknown') = label_match.category_id
    left join label_mapping_first as label_first
        on
            {{ feedback_lakehouse.normalize_label('gold.label_scheme') }}
            = {{ feedback_lakehouse.normalize_label('label_first.label_scheme') }}
            and {{ feedback_lakehouse.normalize_label('gold.gold_category') }}
            = {{ feedback_lakehouse.normalize_label('label_first.gold_label') }}
            and enrichments.taxonomy_version = label_first.taxonomy_version

),

final as (

    select
        {{ feedback_lakehouse.eval_key() }} as eval_key,
        feedback_id,
        text_hash,
        enrichment_key,
        provider,
        model,
        prompt_version,
        taxonomy_version,
        gold_category,
        gold_sentiment,
        predicted_category,
        predicted_sentiment,
        confidence,
        needs_review,
        cascade_side,
        gold_category = predicted_category as is_category_correct,
        gold_sentiment = predicted_sentiment as is_sentiment_correct
    from joined

)

select * from final
{% endmacro %}
