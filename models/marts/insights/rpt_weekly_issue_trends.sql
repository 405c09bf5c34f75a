-- Weekly volume of each issue (category) per source and SKU: the trend lines behind the
-- top issues, the SKU leaderboard and rising issues. Empty texts and spam are left out;
-- items without a SKU are grouped under '(none)'. Negative and complaint items count
-- the main category's own sentiment (aspect sentiment, fct_feedback_category_sentiments),
-- not the whole text's.
with

reporting as (

    select * from {{ ref('fct_feedback_reporting') }}
    where
        not is_empty
        and not is_spam

),

main_category_sentiments as (

    select * from {{ ref('fct_feedback_category_sentiments') }}
    where is_main_category

),

feedback as (

    select
        reporting.*,
        coalesce(main_category_sentiments.category_sentiment, reporting.sentiment)
            as main_category_sentiment
    from reporting
    left join main_category_sentiments
        on reporting.feedback_id = main_category_sentiments.feedback_id

),

grouped as (

    select
        week_start_date,
        weeks_before_as_of,
        main_category,
        source,
        coalesce(product_sku, '(none)') as product_sku,
        max(suggested_owner) as owner_team,
        count(*) as items,
        sum(case when main_category_sentiment = 'negative' then 1 else 0 end)
            as negative_items,
        sum(case when main_category_sentiment in ('negative', 'mixed') then 1 else 0 end)
            as complaint_items,
        sum(case when urgency in ('high', 'critical') then 1 else 0 end) as urgent_items,
        sum(case when is_reviewed then 1 else 0 end) as reviewed_items,
        avg(priority_score) as avg_priority_score
    from feedback
    group by
        week_start_date,
        weeks_before_as_of,
        main_category,
        source,
        coalesce(product_sku, '(none)')

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            dbt.safe_cast("week_start_date", dbt.type_string()), "'|'",
            "main_category", "'|'", "source", "'|'", "product_sku"
        ])) }} as trend_key,
        cast(week_start_date as date) as week_start_date,
        cast(weeks_before_as_of as int) as weeks_before_as_of,
        cast(main_category as string) as main_category,
        cast(owner_team as string) as owner_team,
        cast(source as string) as source,
        cast(product_sku as string) as product_sku,
        cast(items as bigint) as items,
        cast(negative_items as bigint) as negative_items,
        cast(complaint_items as bigint) as complaint_items,
        cast(urgent_items as bigint) as urgent_items,
        cast(reviewed_items as bigint) as reviewed_items,
        cast(round(avg_priority_score, 2) as double) as avg_priority_score
    from grouped

)

select * from final
