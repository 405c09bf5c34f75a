-- Per provider, model, prompt version and taxonomy version with calibration gold: the
-- lowest confidence threshold at which the items not sent to review that reach it are
-- still right at least var eval_target_precision of the time (against the calibration
-- split of gold categories, int_eval__calibration_pairs: half of the helpdesk tickets'
-- tags, or gold marked calibration), with at least var eval_min_items such items. Null
-- when no threshold gets there. An item is sent to review at threshold t when another
-- review rule holds it or its confidence is below t, so the cut is measured on the items
-- no other rule holds. threshold_in_force is what int_feedback__status applies: the
-- measured threshold (with var review_threshold_from_eval, the default), else the var
-- review_confidence_threshold; threshold_source and threshold_note say which and why,
-- with the numbers (a data test warns when calibration gold gave no threshold).
{%- set var_threshold = var('review_confidence_threshold') %}
{%- set target = var('eval_target_precision') %}
{%- set min_items = var('eval_min_items') %}
with

pairs as (

    select * from {{ ref('int_eval__calibration_pairs') }}
    where
        gold_category is not null
        and not needs_review

),

keys as (

    select
        eval_key,
        count(*) as calibration_items
    from pairs
    group by eval_key

),

per_confidence as (

    select
        eval_key,
        confidence,
        count(*) as items,
        sum(case when is_category_correct then 1 else 0 end) as correct
    from pairs
    group by eval_key, confidence

),

cumulative as (

    select
        eval_key,
        confidence,
        sum(items) over (
            partition by eval_key order by confidence desc
            rows between unbounded preceding and current row
        ) as items_above,
        sum(correct) over (
            partition by eval_key order by confidence desc
            rows between unbounded preceding and current row
        ) as correct_above,
        sum(items) over (partition by eval_key) as auto_items
    from per_confidence

),

qualifying as (

    select
        *,
        row_number() over (partition by eval_key order by confidence asc) as threshold_rank
    from cumulative
    where
        1.0 * correct_above / items_above >= {{ target }}
        and items_above >= {{ min_items }}

),

measured as (

    select
        keys.eval_key,
        keys.calibration_items,
        qualifying.confidence as confidence_threshold,
        1.0 * qualifying.correct_above / qualifying.items_above as precision_at_threshold,
        1.0 * qualifying.items_above / qualifying.auto_items as coverage_at_threshold
    from keys
    left join qualifying
        on
            keys.eval_key = qualifying.eval_key
            and qualifying.threshold_rank = 1

),

final as (

    select
        eval_key,
        calibration_items,
        confidence_threshold,
        precision_at_threshold,
        coverage_at_threshold,
        {% if var('review_threshold_from_eval') -%}
            coalesce(confidence_threshold, {{ var_threshold }})
        {%- else -%}
            {{ var_threshold }}
        {%- endif %} as threshold_in_force,
        case
            {% if var('review_threshold_from_eval') -%}
                when confidence_threshold is not null then 'measured'
            {% endif -%}
            else 'var'
        end as threshold_source,
        case
            when confidence_threshold is not null then {{ dbt.concat([
                "'measured on '", "cast(calibration_items as " ~ dbt.type_string() ~ ")",
                "' calibration gold items: precision '",
                "cast(round(cast(precision_at_threshold as double), 3) as "
                ~ dbt.type_string() ~ ")",
                "' at or above '",
                "cast(round(cast(confidence_threshold as double), 4) as "
                ~ dbt.type_string() ~ ")",
                "' ('", "cast(round(cast(100 * coverage_at_threshold as double), 1) as "
                ~ dbt.type_string() ~ ")",
                "'% of them not sent to review)'",
                "'" ~ ('' if var('review_threshold_from_eval')
                    else '; not in force: var review_threshold_from_eval is false') ~ "'",
            ]) }}
            else {{ dbt.concat([
                "'no threshold measured: no confidence keeps precision " ~ target
                ~ " over at least " ~ min_items ~ " of the '",
                "cast(calibration_items as " ~ dbt.type_string() ~ ")",
                "' calibration gold items; var review_confidence_threshold "
                ~ var_threshold ~ " in force'",
            ]) }}
        end as threshold_note
    from measured

)

select * from final
