-- Issues growing week over week, judged by significance, not raw percentages.
-- An issue is a category, alone ("all") or for one subject: a SKU or an app version.
-- Baseline: the mean weekly count over the previous `rising_baseline_weeks` weeks (weeks
-- with no items count as zero). Significance: the Anscombe-transformed Poisson z-score
-- z = 2 * (sqrt(k + 3/8) - sqrt(lambda + 3/8)), with lambda floored at 1 so a brand-new
-- subject needs real volume. Rising: at least `rising_min_volume` items this week and
-- z >= `rising_min_z`.
{%- set baseline_weeks = var('rising_baseline_weeks') %}

with

feedback as (

    select * from {{ ref('fct_feedback') }}
    where
        main_category not in ('praise', 'unknown')
        and weeks_before_as_of <= {{ baseline_weeks }}

),

issue_items as (

    select
        main_category,
        'category' as issue_level,
        'all' as subject,
        weeks_before_as_of
    from feedback

    union all

    select
        main_category,
        'sku' as issue_level,
        product_sku as subject,
        weeks_before_as_of
    from feedback
    where product_sku is not null

    union all

    select
        main_category,
        'app_version' as issue_level,
        {{ dbt.concat(["'app '", "app_version"]) }} as subject,
        weeks_before_as_of
    from feedback
    where app_version is not null

),

counted as (

    select
        main_category,
        issue_level,
        subject,
        count(case when weeks_before_as_of = 0 then 1 end) as count_this_week,
        count(case when weeks_before_as_of = 1 then 1 end) as count_last_week,
        cast(count(case when weeks_before_as_of >= 1 then 1 end) as double)
        / {{ baseline_weeks }} as baseline_weekly_mean
    from issue_items
    group by main_category, issue_level, subject

),

tested as (

    select
        *,
        2 * (
            sqrt(count_this_week + 0.375)
            - sqrt(greatest(baseline_weekly_mean, 1.0) + 0.375)
        ) as z_score
    from counted

),

final as (

    select
        cast(
            row_number()
                over (order by z_score desc, count_this_week desc, main_category asc, subject asc)
            as bigint
        ) as rising_rank,
        {{ dbt.concat(["main_category", "' / '", "subject"]) }} as issue_key,
        main_category,
        issue_level,
        subject,
        count_this_week,
        count_last_week,
        round(baseline_weekly_mean, 2) as baseline_weekly_mean,
        round(
            (count_this_week - baseline_weekly_mean) / nullif(baseline_weekly_mean, 0), 2
        ) as growth_vs_baseline,
        round(z_score, 2) as z_score,
        count_this_week >= {{ var('rising_min_volume') }}
        and z_score >= {{ var('rising_min_z') }} as is_rising
    from tested
    where count_this_week > 0

)

select * from final
