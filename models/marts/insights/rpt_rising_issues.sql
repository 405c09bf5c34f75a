-- Issues growing week over week, judged by significance, not raw percentages.
-- An issue is a category, alone ("all") or for one subject: a SKU (the product: an
-- airline, a department, ... in your own data) or an app version.
-- Baseline: the items of the previous `rising_baseline_weeks` weeks per week observed.
-- Only days on or after the subject's first data (any category; for "all", the first
-- data of any source) are observed: a week before the data began is not a zero week, and
-- a partly observed week counts for its observed days. `baseline_weeks_observed` says how
-- much of the baseline was observed, `has_short_history` when less than all of it.
-- Significance: the Anscombe-transformed Poisson z-score
-- z = 2 * (sqrt(k + 3/8) - sqrt(lambda + 3/8)), with lambda floored at 1 so a subject with
-- an empty-looking past needs real volume; no z without an observed baseline day.
-- Rising: at least `rising_min_volume` items this week, z >= `rising_min_z` and at least
-- `rising_min_baseline_weeks` weeks of baseline observed (never from an empty baseline).
{%- set baseline_weeks = var('rising_baseline_weeks') %}
{%- set baseline_days = 7 * baseline_weeks %}

with

all_feedback as (

    select * from {{ ref('fct_feedback_reporting') }}

),

-- the reporting date, as fct_feedback dated its weeks
calendar as (

    select
        max(
            cast({{ feedback_lakehouse.add_interval(
                'day', '6 + 7 * weeks_before_as_of', 'week_start_date'
            ) }} as date)
        ) as as_of_date
    from all_feedback

),

feedback as (

    select * from all_feedback
    where
        main_category not in ('praise', 'unknown')
        and weeks_before_as_of <= {{ baseline_weeks }}

),

-- the first day each subject has data, from every record (praise and older ones too)
subject_starts as (

    select
        'category' as issue_level,
        'all' as subject,
        min(created_date) as first_data_date
    from all_feedback

    union all

    select
        'sku' as issue_level,
        product_sku as subject,
        min(created_date) as first_data_date
    from all_feedback
    where product_sku is not null
    group by product_sku

    union all

    select
        'app_version' as issue_level,
        {{ dbt.concat(["'app '", "app_version"]) }} as subject,
        min(created_date) as first_data_date
    from all_feedback
    where app_version is not null
    group by app_version

),

-- baseline days are 7 to 7 * weeks + 6 days before as_of; those on or after the first
-- data are observed
subject_history as (

    select
        subject_starts.issue_level,
        subject_starts.subject,
        greatest(
            least(
                {{ feedback_lakehouse.timestamp_diff(
                    'subject_starts.first_data_date', 'calendar.as_of_date', 'day'
                ) }},
                {{ baseline_days + 6 }}
            ) - 6,
            0
        ) as baseline_days_observed
    from subject_starts
    cross join calendar

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
        count(case when weeks_before_as_of >= 1 then 1 end) as count_baseline
    from issue_items
    group by main_category, issue_level, subject

),

observed as (

    select
        counted.main_category,
        counted.issue_level,
        counted.subject,
        counted.count_this_week,
        counted.count_last_week,
        coalesce(subject_history.baseline_days_observed, 0) as baseline_days_observed,
        -- double, not decimal, arithmetic on Databricks: cast before dividing
        cast(7 * counted.count_baseline as double)
        / nullif(subject_history.baseline_days_observed, 0) as baseline_weekly_mean
    from counted
    left join subject_history
        on
            counted.issue_level = subject_history.issue_level
            and counted.subject = subject_history.subject

),

tested as (

    select
        *,
        -- greatest() skips nulls: an unobserved baseline must give no z, not one against 1
        case
            when baseline_weekly_mean is not null
                then 2 * (
                    sqrt(count_this_week + 0.375)
                    - sqrt(greatest(baseline_weekly_mean, 1.0) + 0.375)
                )
        end as z_score
    from observed

),

final as (

    select
        cast(
            row_number()
                over (
                    order by
                        z_score desc nulls last,
                        count_this_week desc,
                        main_category asc,
                        subject asc
                )
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
        round(cast(baseline_days_observed as double) / 7, 2) as baseline_weeks_observed,
        baseline_days_observed < {{ baseline_days }} as has_short_history,
        count_this_week >= {{ var('rising_min_volume') }}
        and z_score >= {{ var('rising_min_z') }}
        and baseline_days_observed >= 7 * {{ var('rising_min_baseline_weeks') }}
        and baseline_days_observed > 0 as is_rising
    from tested
    where count_this_week > 0

)

select * from final
