-- Feedback for business users and BI tools: the labels and the masked text only. No
-- original or cleaned text (they may hold emails, phone numbers, card and order numbers)
-- and the customer id only as a hash.
with

records as (

    -- near_duplicate_group_id: fct_feedback_reporting's (int_texts__near_duplicates)
    select * from {{ ref('fct_feedback_reporting') }}

),

feedback as (

    select
        *,
        -- non-empty records saying the same complaint, in the same or slightly different
        -- words (spam included, as everywhere)
        case
            when is_empty then 1
            else count(*) over (partition by is_empty, near_duplicate_group_id)
        end as duplicate_group_size
    from records

),

final as (

    select
        cast(feedback_id as string) as feedback_id,
        cast(source as string) as source,
        cast(channel as string) as channel,
        cast(product_sku as string) as product_sku,
        cast(app_version as string) as app_version,
        cast(
            case when customer_id is not null then {{ dbt.hash('customer_id') }} end as string
        ) as customer_key,
        cast(customer_tier as string) as customer_tier,
        cast(rating_normalized as double) as rating_normalized,
        cast(masked_text as string) as masked_text,
        cast(language as string) as language,
        cast(main_category as string) as main_category,
        cast(parent_category_id as string) as parent_category_id,
        cast(sentiment as string) as sentiment,
        cast(urgency as string) as urgency,
        cast(suggested_owner as string) as owner_team,
        cast(short_summary as string) as short_summary,
        cast(priority_score as double) as priority_score,
        cast(is_reviewed as boolean) as is_reviewed,
        cast(needs_review as boolean) as needs_review,
        cast(near_duplicate_group_id as string) as near_duplicate_group_id,
        cast(duplicate_group_size as bigint) as duplicate_group_size,
        cast(created_date as date) as created_date,
        cast(week_start_date as date) as week_start_date
    from feedback
    where not is_spam

)

select * from final
