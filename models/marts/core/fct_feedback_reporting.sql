-- fct_feedback placed in the reporting calendar: the reporting week (weeks end on the
-- as-of date), the weeks before it, and the 0-100 priority score, which decays with a
-- record's age. All three move with the reporting date, so they are computed here, at
-- read time (a view), and fct_feedback keeps its stored rows from run to run. It also
-- carries each record's near-duplicate group (int_texts__near_duplicates), so the marts
-- that group complaints read it from one place.
-- Priority: a weighted mean of negativity, sentiment intensity, category criticality,
-- customer tier and recency. The weights are vars: the five priority_weight_* (need not
-- sum to 1), and the maps priority_sentiment_weights and priority_tier_weights (an
-- unnamed sentiment or tier takes their "other" entry).
{%- set weights = {
    'negativity': var('priority_weight_negativity'),
    'intensity': var('priority_weight_intensity'),
    'criticality': var('priority_weight_criticality'),
    'tier': var('priority_weight_tier'),
    'recency': var('priority_weight_recency'),
} %}
{%- set weight_sum = weights.values() | sum %}
{#- days from creation to the as-of date (0 for anything after it) #}
{%- set days = 'greatest(' ~ feedback_lakehouse.timestamp_diff(
    'feedback.created_date', 'calendar.as_of_date', 'day') ~ ', 0)' %}
{%- set weeks = 'cast(floor(' ~ days ~ ' / 7) as integer)' %}

with

feedback as (

    select * from {{ ref('fct_feedback') }}

),

calendar as (

    select * from {{ ref('int_reporting_calendar') }}

),

near_duplicates as (

    select * from {{ ref('int_texts__near_duplicates') }}

),

final as (

    select
        feedback.*,
        cast(
            {{ feedback_lakehouse.add_interval(
                'day', '-6 - 7 * ' ~ weeks, 'calendar.as_of_date'
            ) }} as date
        ) as week_start_date,
        {{ weeks }} as weeks_before_as_of,
        round(
            100 * (
                {{ weights.negativity }}
                * {{ feedback_lakehouse.weight_of(
                    'feedback.sentiment', var('priority_sentiment_weights')
                ) }}
                + {{ weights.intensity }} * feedback.sentiment_intensity
                + {{ weights.criticality }} * feedback.category_criticality / 5.0
                + {{ weights.tier }}
                * {{ feedback_lakehouse.weight_of(
                    'feedback.customer_tier', var('priority_tier_weights')
                ) }}
                + {{ weights.recency }}
                * power(0.5, {{ days }} / {{ var('priority_recency_half_life_days') }})
            ) / {{ weight_sum }},
            2
        ) as priority_score,
        -- a text the daily run has not grouped yet stands for itself
        coalesce(
            near_duplicates.near_duplicate_group_id, feedback.text_hash
        ) as near_duplicate_group_id
    from feedback
    cross join calendar
    left join near_duplicates
        on feedback.text_hash = near_duplicates.text_hash

)

-- every column of fct_feedback (its contract names them) plus the four above
select * from final  -- noqa: AM04
