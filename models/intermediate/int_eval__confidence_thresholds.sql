-- Per provider, model, prompt version and taxonomy version: the lowest confidence
-- threshold at which the items not sent to review that reach it are still right at
-- least var eval_target_precision of the time (against held-out gold categories), with
-- at least var eval_min_items such items. Null when no threshold gets there.
with

pairs as (

    select * from {{ ref('int_eval__pairs') }}
    where
        gold_category is not null
        and not needs_review

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
        1.0 * correct_above / items_above >= {{ var('eval_target_precision') }}
        and items_above >= {{ var('eval_min_items') }}

),

keys as (

    select distinct eval_key from {{ ref('int_eval__pairs') }}

),

final as (

    select
        keys.eval_key,
        qualifying.confidence as confidence_threshold,
        1.0 * qualifying.correct_above / qualifying.items_above as precision_at_threshold,
        1.0 * qualifying.items_above / qualifying.auto_items as coverage_at_threshold
    from keys
    left join qualifying
        on
            keys.eval_key = qualifying.eval_key
            and qualifying.threshold_rank = 1

)

select * from final
