-- How many items went to each owner team, and how urgent its queue is.
with

feedback as (

    select * from {{ ref('fct_feedback_reporting') }}
    where suggested_owner is not null

),

final as (

    select
        suggested_owner as owner_team,
        count(*) as items_total,
        count(case when weeks_before_as_of = 0 then 1 end) as items_this_week,
        count(case when sentiment = 'negative' then 1 end) as negative_items,
        count(case when urgency in ('high', 'critical') then 1 end) as urgent_items,
        count(case when needs_review then 1 end) as items_needing_review,
        round(avg(priority_score), 2) as avg_priority_score,
        max(priority_score) as max_priority_score
    from feedback
    group by suggested_owner

)

select * from final
