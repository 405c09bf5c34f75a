-- The latest week's other/unknown rate of the taxonomy version in force: one row per
-- threshold it exceeds, so the test warns above var other_rate_warn (1 row) and, once a
-- baseline is set, errors above other_rate_error (2 rows): the baseline's other_rate_error
-- (feedback eval --set-baseline) or else the var. Until a baseline is set it only warns
-- (macro eval_gate_severity). Each row's message states the rate, the threshold and the
-- week (also printed in dbt's log). A high rate means the taxonomy misses a topic: read
-- rpt_candidate_topics.
{{ config(
    severity=feedback_lakehouse.eval_gate_severity(),
    warn_if='>0',
    error_if='>1',
) }}
{%- set baseline = feedback_lakehouse.eval_baseline() %}

{%- set failing %}
with

rates as (

    select * from {{ ref('rpt_other_rate_weekly') }}
    where is_version_in_force and is_latest_week

),

thresholds as (

    select
        'warn' as level,
        cast({{ var('other_rate_warn') }} as double) as threshold,
        'var other_rate_warn' as threshold_source

    union all

    select
        'error' as level,
        cast({{ baseline.get('other_rate_error', var('other_rate_error')) }} as double)
            as threshold,
        '{{ "baseline" if "other_rate_error" in baseline else "var other_rate_error" }}'
            as threshold_source

)

select
    rates.taxonomy_version,
    rates.week_start_date,
    rates.other_rate,
    thresholds.level,
    thresholds.threshold,
    {{ dbt.concat([
        "'other rate '", "cast(round(rates.other_rate, 3) as string)",
        "' > '", "cast(round(thresholds.threshold, 3) as string)",
        "' in week '", "cast(rates.week_start_date as string)",
        "' (taxonomy '", "rates.taxonomy_version", "', '",
        "cast(rates.items as string)", "' items; '", "thresholds.level", "' level, '",
        "thresholds.threshold_source",
        "'): read rpt_candidate_topics for the topics the taxonomy misses'",
    ]) }} as message
from rates
cross join thresholds
where rates.other_rate > thresholds.threshold
{%- endset %}

{{- feedback_lakehouse.log_test_messages(
    failing, 'other/unknown rate (' ~ feedback_lakehouse.eval_gate_severity() ~ ')'
) }}

{{ failing }}
