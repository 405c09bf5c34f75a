-- The latest week's other/unknown rate of the taxonomy version in force: one row per
-- threshold it exceeds, so the test warns above var other_rate_warn (1 row) and errors
-- above var other_rate_error (2 rows). A high rate means the taxonomy misses a topic:
-- read rpt_candidate_topics.
{{ config(warn_if='>0', error_if='>1') }}

with

rates as (

    select * from {{ ref('rpt_other_rate_weekly') }}
    where is_version_in_force and is_latest_week

),

thresholds as (

    select
        'warn' as level,
        cast({{ var('other_rate_warn') }} as double) as threshold

    union all

    select
        'error' as level,
        cast({{ var('other_rate_error') }} as double) as threshold

)

select
    rates.taxonomy_version,
    rates.week_start_date,
    rates.other_rate,
    thresholds.level,
    thresholds.threshold
from rates
cross join thresholds
where rates.other_rate > thresholds.threshold
