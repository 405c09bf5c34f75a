-- Complaint topics of the latest week, ranked by volume, with last week's volume beside
-- them. A record is a complaint about a category (its main one or a secondary one) when
-- its sentiment about that category is negative or mixed (aspect sentiment,
-- fct_feedback_category_sentiments), so one record can be a complaint about two
-- categories, and praise of one category beside a complaint about another is not a
-- complaint about the first. Praise and unlabelled items are not topics.
with

category_sentiments as (

    select * from {{ ref('fct_feedback_category_sentiments') }}

),

complaints as (

    select
        category as main_category,
        owner_team,
        weeks_before_as_of,
        priority_score
    from category_sentiments
    where
        category_sentiment in ('negative', 'mixed')
        and category not in ('praise', 'unknown')
        and weeks_before_as_of <= 1

),

by_category as (

    select
        main_category,
        max(owner_team) as owner_team,
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
