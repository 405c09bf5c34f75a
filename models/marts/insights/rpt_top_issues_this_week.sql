-- Complaint topics of the latest week (negative or mixed feedback), ranked by volume,
-- with last week's volume beside them. Praise and unlabelled items are not topics.
with

feedback as (

    select * from {{ ref('fct_feedback_reporting') }}

),

complaints as (

    select * from feedback
    where
        sentiment in ('negative', 'mixed')
        and main_category not in ('praise', 'unknown')
        and weeks_before_as_of <= 1

),

by_category as (

    select
        main_category,
        max(suggested_owner) as owner_team,
        count(case when weeks_before_as_of = 0 then 1 end) as complaints_this_week,
        count(case when weeks_before_as_of = 1 then 1 end) as complaints_last_week,
        avg(case when weeks_before_as_of = 0 then priority_score end) as avg_priority_score
    from complaints
    group by main_category

),

final as (

    select
        cast(row_number() over (
            order by complaints_this_week desc, avg_priority_score desc, main_category asc
        ) as bigint) as topic_rank,
        main_category,
        owner_team,
        complaints_this_week,
        complaints_last_week,
        complaints_this_week - complaints_last_week as change_vs_last_week,
        round(avg_priority_score, 2) as avg_priority_score
    from by_category
    where complaints_this_week > 0

)

select * from final
