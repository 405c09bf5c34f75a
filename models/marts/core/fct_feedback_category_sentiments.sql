-- One row per feedback record and category (its main category and each secondary one)
-- with the sentiment the record expresses about that category: the model's own
-- per-category sentiment (category_sentiments), so "love the lamp, but the box arrived
-- crushed" is a complaint about shipping and not about the product. The main category
-- takes the record's sentiment when a reviewer corrected its category or sentiment
-- (sentiment_source review) and when the provider gave no per-category sentiment
-- (overall: ai_query, rows enriched before category_sentiments); secondary categories
-- appear only with a sentiment of their own. A view in the reporting calendar, like
-- fct_feedback_reporting: the complaint counts of the insight marts read it.
with

feedback as (

    select * from {{ ref('fct_feedback_reporting') }}

),

categories as (

    select * from {{ ref('taxonomy_categories') }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

answered as (

    select
        feedback_id,
        {{ feedback_lakehouse.category_sentiment_items('category_sentiments') }} as item
    from feedback
    where category_sentiments is not null

),

model_sentiments as (

    select
        answered.feedback_id,
        lower(answered.item.category) as category,
        lower(answered.item.sentiment) as sentiment
    from answered

),

main_rows as (

    select
        feedback.feedback_id,
        feedback.main_category as category,
        true as is_main_category,
        case
            when
                feedback.main_category != feedback.model_main_category
                or feedback.sentiment != feedback.model_sentiment
                then 'review'
            when model_sentiments.sentiment is not null then 'category'
            else 'overall'
        end as sentiment_source,
        coalesce(model_sentiments.sentiment, feedback.sentiment) as model_sentiment
    from feedback
    left join model_sentiments
        on
            feedback.feedback_id = model_sentiments.feedback_id
            and feedback.main_category = model_sentiments.category

),

secondary_rows as (

    select
        feedback.feedback_id,
        model_sentiments.category,
        false as is_main_category,
        'category' as sentiment_source,
        model_sentiments.sentiment as model_sentiment
    from feedback
    inner join model_sentiments
        on feedback.feedback_id = model_sentiments.feedback_id
    where
        model_sentiments.category != feedback.main_category
        and {{ dbt.concat(["','", "feedback.secondary_categories", "','"]) }}
        like {{ dbt.concat(["'%,'", "model_sentiments.category", "',%'"]) }}

),

category_rows as (

    select * from main_rows
    union all
    select * from secondary_rows

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "category_rows.feedback_id", "'|'", "category_rows.category"
        ])) }} as category_sentiment_key,
        category_rows.feedback_id,
        category_rows.category,
        category_rows.is_main_category,
        case
            when category_rows.sentiment_source = 'category'
                then category_rows.model_sentiment
            else feedback.sentiment
        end as category_sentiment,
        category_rows.sentiment_source,
        categories.owner_team,
        feedback.sentiment as record_sentiment,
        feedback.source,
        feedback.product_sku,
        feedback.app_version,
        feedback.is_empty,
        feedback.is_spam,
        feedback.is_reviewed,
        feedback.created_date,
        feedback.week_start_date,
        feedback.weeks_before_as_of,
        feedback.priority_score
    from category_rows
    inner join feedback
        on category_rows.feedback_id = feedback.feedback_id
    left join categories
        on category_rows.category = categories.category_id

)

select * from final
