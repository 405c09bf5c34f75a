-- Reviewed records placed in the reporting calendar (weeks before "this week") and
-- scored for priority, 0-100: a weighted mean of negativity, sentiment intensity,
-- category criticality, customer tier and recency. The weights are vars: the five
-- priority_weight_* (need not sum to 1), and the maps priority_sentiment_weights and
-- priority_tier_weights (an unnamed sentiment or tier takes their "other" entry).
{%- set weights = {
    'negativity': var('priority_weight_negativity'),
    'intensity': var('priority_weight_intensity'),
    'criticality': var('priority_weight_criticality'),
    'tier': var('priority_weight_tier'),
    'recency': var('priority_weight_recency'),
} %}
{%- set weight_sum = weights.values() | sum %}

with

reviewed as (

    select * from {{ ref('int_feedback__reviewed') }}

),

categories as (

    select * from {{ ref('taxonomy_categories') }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

calendar as (

    select * from {{ ref('int_reporting_calendar') }}

),

with_category as (

    select
        reviewed.*,
        categories.owner_team as suggested_owner,
        categories.parent_category_id,
        coalesce(categories.criticality, 2) as category_criticality,
        calendar.as_of_date,
        greatest(
            {{ feedback_lakehouse.timestamp_diff(
                'cast(reviewed.created_at as date)', 'calendar.as_of_date', 'day'
            ) }},
            0
        ) as days_before_as_of
    from reviewed
    left join categories
        on reviewed.main_category = categories.category_id
    cross join calendar

),

scored as (

    select
        *,
        cast(floor(days_before_as_of / 7) as integer) as weeks_before_as_of,
        {{ feedback_lakehouse.weight_of('sentiment', var('priority_sentiment_weights')) }}
            as negativity,
        {{ feedback_lakehouse.weight_of('customer_tier', var('priority_tier_weights')) }}
            as tier_weight,
        power(0.5, days_before_as_of / {{ var('priority_recency_half_life_days') }})
            as recency_weight
    from with_category

),

final as (

    select
        *,
        cast(
            {{ feedback_lakehouse.add_interval(
                'day', '-6 - 7 * weeks_before_as_of', 'as_of_date'
            ) }} as date
        ) as week_start_date,
        round(
            100 * (
                {{ weights.negativity }} * negativity
                + {{ weights.intensity }} * sentiment_intensity
                + {{ weights.criticality }} * category_criticality / 5.0
                + {{ weights.tier }} * tier_weight
                + {{ weights.recency }} * recency_weight
            ) / {{ weight_sum }},
            2
        ) as priority_score
    from scored

)

select * from final
