-- The enrichment's quality against held-out human gold labels, one row per provider,
-- model, prompt version and taxonomy version: category accuracy and macro-F1, sentiment
-- accuracy and macro-F1, calibration of `confidence` (expected calibration error), the
-- share sent to review, and the confidence threshold that keeps precision at or above
-- var eval_target_precision for items not sent to review (measured on the calibration
-- split), the review threshold in force and why, and the category precision of the test
-- items not sent to review under it (auto_category_precision). is_current marks the
-- enrichment in force, the only key the quality gates (rpt_quality_gates) judge.
with

pairs as (

    select * from {{ ref('int_eval__pairs') }}

),

label_metrics as (

    select * from {{ ref('rpt_eval_label_metrics') }}

),

calibration as (

    select * from {{ ref('rpt_eval_calibration') }}

),

thresholds as (

    select * from {{ ref('int_eval__confidence_thresholds') }}

),

current_enrichment as (

    select * from {{ ref('int_eval__current_enrichment') }}

),

totals as (

    select
        eval_key,
        max(provider) as provider,
        max(model) as model,
        max(prompt_version) as prompt_version,
        max(taxonomy_version) as taxonomy_version,
        count(*) as evaluated_items,
        sum(case when gold_category is not null then 1 else 0 end) as category_items,
        sum(case when is_category_correct then 1 else 0 end) as category_correct,
        sum(case when gold_sentiment is not null then 1 else 0 end) as sentiment_items,
        sum(case when is_sentiment_correct then 1 else 0 end) as sentiment_correct,
        sum(case when needs_review then 1 else 0 end) as review_items,
        sum(
            case when gold_category is not null and not needs_review then 1 else 0 end
        ) as auto_category_items,
        sum(
            case when not needs_review and is_category_correct then 1 else 0 end
        ) as auto_category_correct
    from pairs
    group by eval_key

),

macro as (

    select
        eval_key,
        avg(case when label_kind = 'category' then f1 end) as category_macro_f1,
        avg(case when label_kind = 'sentiment' then f1 end) as sentiment_macro_f1
    from label_metrics
    group by eval_key

),

ece as (

    select
        eval_key,
        sum(items * calibration_gap) / sum(items) as expected_calibration_error
    from calibration
    group by eval_key

),

final as (

    select
        cast(totals.eval_key as string) as eval_key,
        cast(totals.provider as string) as provider,
        cast(totals.model as string) as model,
        cast(totals.prompt_version as string) as prompt_version,
        cast(totals.taxonomy_version as string) as taxonomy_version,
        cast(totals.evaluated_items as bigint) as evaluated_items,
        cast(totals.category_items as bigint) as category_items,
        cast(
            case
                when totals.category_items > 0
                    then 1.0 * totals.category_correct / totals.category_items
            end as double
        ) as category_accuracy,
        cast(macro.category_macro_f1 as double) as category_macro_f1,
        cast(totals.sentiment_items as bigint) as sentiment_items,
        cast(
            case
                when totals.sentiment_items > 0
                    then 1.0 * totals.sentiment_correct / totals.sentiment_items
            end as double
        ) as sentiment_accuracy,
        cast(macro.sentiment_macro_f1 as double) as sentiment_macro_f1,
        cast(ece.expected_calibration_error as double) as expected_calibration_error,
        cast(1.0 * totals.review_items / totals.evaluated_items as double) as review_share,
        cast(thresholds.confidence_threshold as double) as confidence_threshold,
        cast(thresholds.precision_at_threshold as double) as precision_at_threshold,
        cast(thresholds.coverage_at_threshold as double) as coverage_at_threshold,
        cast(
            coalesce(thresholds.threshold_in_force, {{ var('review_confidence_threshold') }})
            as double
        ) as review_threshold,
        coalesce(thresholds.threshold_source, 'var') as review_threshold_source,
        coalesce(
            thresholds.threshold_note,
            'no calibration gold labels: var review_confidence_threshold {{
                var("review_confidence_threshold") }} in force'
        ) as review_threshold_note,
        cast(
            case
                when totals.auto_category_items > 0
                    then 1.0 * totals.auto_category_correct / totals.auto_category_items
            end as double
        ) as auto_category_precision,
        current_enrichment.eval_key is not null as is_current
    from totals
    left join macro
        on totals.eval_key = macro.eval_key
    left join ece
        on totals.eval_key = ece.eval_key
    left join thresholds
        on totals.eval_key = thresholds.eval_key
    left join current_enrichment
        on totals.eval_key = current_enrichment.eval_key

)

select * from final
