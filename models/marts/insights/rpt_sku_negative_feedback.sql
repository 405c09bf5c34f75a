-- SKU leaderboard of negative feedback: volume and rate in the latest week and over the
-- last four, so one bad review on a quiet SKU does not top the board. A record counts
-- as negative feedback on the SKU by its overall sentiment; its top negative category is
-- the category (main or secondary) most often spoken of negatively in the last four
-- weeks, by each category's own sentiment (aspect sentiment,
-- fct_feedback_category_sentiments).
with

category_sentiments as (

    select * from {{ ref('fct_feedback_category_sentiments') }}
    where
        product_sku is not null
        and not is_empty
        and not is_spam

),

feedback as (

    select * from {{ ref('fct_feedback_reporting') }}
    where
        product_sku is not null
        and not is_empty
        and not is_spam

),

by_sku as (

    select
        product_sku,
        count(case when weeks_before_as_of = 0 then 1 end) as feedback_this_week,
        count(case when weeks_before_as_of = 0 and sentiment = 'negative' then 1 end)
            as negative_this_week,
        count(case when weeks_before_as_of < 4 then 1 end) as feedback_last_4_weeks,
        count(case when weeks_before_as_of < 4 and sentiment = 'negative' then 1 end)
            as negative_last_4_weeks,
        count(*) as feedback_total,
        count(case when sentiment = 'negative' then 1 end) as negative_total
    from feedback
    group by product_sku

),

top_category as (

    select
        product_sku,
        category as main_category,
        cast(row_number() over (
            partition by product_sku order by count(*) desc, category
        ) as bigint) as category_rank
    from category_sentiments
    where
        category_sentiment = 'negative'
        and weeks_before_as_of < 4
    group by product_sku, category

),

final as (

    select
        cast(row_number() over (
            order by
                by_sku.negative_this_week desc,
                by_sku.negative_last_4_weeks desc,
                by_sku.product_sku asc
        ) as bigint) as sku_rank,
        by_sku.product_sku,
        by_sku.negative_this_week,
        by_sku.feedback_this_week,
        round(by_sku.negative_this_week / nullif(by_sku.feedback_this_week, 0), 3)
            as negative_rate_this_week,
        by_sku.negative_last_4_weeks,
        by_sku.feedback_last_4_weeks,
        round(by_sku.negative_last_4_weeks / nullif(by_sku.feedback_last_4_weeks, 0), 3)
            as negative_rate_last_4_weeks,
        by_sku.negative_total,
        by_sku.feedback_total,
        top_category.main_category as top_negative_category
    from by_sku
    left join top_category
        on
            by_sku.product_sku = top_category.product_sku
            and top_category.category_rank = 1

)

select * from final
