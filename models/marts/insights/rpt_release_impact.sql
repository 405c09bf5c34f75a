-- Complaints (feedback that is not positive, in the release's category, and about its
-- SKU when it names one) in the `release_impact_window_days` days before each release or fix
-- against the same span after it (cut at the reporting date). The after-count is tested
-- against the before-rate with the Anscombe Poisson z-score used for rising issues:
-- worse at z >= `release_impact_min_z`, better at z <= -`release_impact_min_z`.
{%- set window = var('release_impact_window_days') %}

with

releases as (

    select * from {{ ref('releases') }}

),

feedback as (

    select * from {{ ref('fct_feedback') }}
    where
        sentiment != 'positive'
        and not is_spam
        and not is_empty

),

calendar as (

    select max(created_date) as as_of_date
    from {{ ref('fct_feedback') }}

),

dated as (

    select
        releases.*,
        calendar.as_of_date,
        {{ feedback_lakehouse.timestamp_diff(
            'releases.release_date', 'calendar.as_of_date', 'day'
        ) }} as days_since_release
    from releases
    cross join calendar

),

windows as (

    select
        *,
        greatest(least(days_since_release + 1, {{ window }}), 0) as days_after_observed
    from dated

),

counted as (

    select
        windows.release_id,
        sum(
            case
                when
                    feedback.created_date < windows.release_date
                    and feedback.created_date
                    >= {{ feedback_lakehouse.add_interval('day', -window, 'windows.release_date') }}
                    then 1
                else 0
            end
        ) as complaints_before,
        sum(
            case
                when
                    feedback.created_date >= windows.release_date
                    and feedback.created_date
                    < {{ feedback_lakehouse.add_interval('day', window, 'windows.release_date') }}
                    then 1
                else 0
            end
        ) as complaints_after
    from windows
    left join feedback
        on
            windows.category = feedback.main_category
            and (windows.product_sku is null or windows.product_sku = feedback.product_sku)
    group by windows.release_id

),

tested as (

    select
        windows.*,
        counted.complaints_before,
        counted.complaints_after,
        counted.complaints_before * 1.0 / {{ window }} as before_per_day,
        counted.complaints_after * 1.0 / nullif(windows.days_after_observed, 0) as after_per_day,
        2 * (
            sqrt(counted.complaints_after + 0.375)
            - sqrt(
                greatest(
                    counted.complaints_before * 1.0 / {{ window }} * windows.days_after_observed,
                    1.0
                )
                + 0.375
            )
        ) as z_score
    from windows
    inner join counted
        on windows.release_id = counted.release_id

),

final as (

    select
        cast(release_id as string) as release_id,
        cast(release_date as date) as release_date,
        cast(release_type as string) as release_type,
        cast(component as string) as component,
        cast(version as string) as version,
        cast(category as string) as category,
        cast(product_sku as string) as product_sku,
        cast(description as string) as description,
        cast({{ window }} as int) as window_days,
        cast(days_after_observed as int) as days_after_observed,
        cast(complaints_before as bigint) as complaints_before,
        cast(complaints_after as bigint) as complaints_after,
        cast(round(before_per_day, 3) as double) as complaints_per_day_before,
        cast(round(after_per_day, 3) as double) as complaints_per_day_after,
        cast(round((after_per_day - before_per_day) / nullif(before_per_day, 0), 3) as double)
            as change_vs_before,
        cast(round(z_score, 2) as double) as z_score,
        cast(
            case
                when days_after_observed = 0 then 'not yet observable'
                when z_score >= {{ var('release_impact_min_z') }} then 'worse'
                when z_score <= -{{ var('release_impact_min_z') }} then 'better'
                else 'no clear change'
            end as string
        ) as impact
    from tested

)

select * from final
