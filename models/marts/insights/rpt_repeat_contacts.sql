-- Recurrence by customer: customers who came back more than once (any source), with
-- how often, over how long, and about what. The customer id is hashed.
with

feedback as (

    select * from {{ ref('fct_feedback_reporting') }}
    where
        customer_id is not null
        and not is_empty
        and not is_spam

),

ranked as (

    select
        customer_id,
        main_category,
        row_number() over (
            partition by customer_id
            order by count(*) desc, main_category asc
        ) as category_rank
    from feedback
    group by customer_id, main_category

),

by_customer as (

    select
        customer_id,
        max(customer_tier) as customer_tier,
        count(*) as contacts,
        count(distinct source) as sources,
        count(distinct main_category) as categories,
        sum(case when sentiment in ('negative', 'mixed') then 1 else 0 end) as complaints,
        sum(case when weeks_before_as_of < 4 then 1 else 0 end) as contacts_last_4_weeks,
        min(created_at) as first_contact_at,
        max(created_at) as last_contact_at,
        max(priority_score) as max_priority_score
    from feedback
    group by customer_id
    having count(*) > 1

),

final as (

    select
        -- row_number() is bigint on DuckDB, int on Spark: the contract says bigint
        cast(row_number() over (
            order by
                by_customer.contacts desc,
                by_customer.complaints desc,
                by_customer.last_contact_at desc,
                by_customer.customer_id asc
        ) as bigint) as repeat_rank,
        cast({{ dbt.hash('by_customer.customer_id') }} as string) as customer_key,
        cast(by_customer.customer_tier as string) as customer_tier,
        cast(by_customer.contacts as bigint) as contacts,
        cast(by_customer.sources as bigint) as sources,
        cast(by_customer.categories as bigint) as categories,
        cast(by_customer.complaints as bigint) as complaints,
        cast(by_customer.contacts_last_4_weeks as bigint) as contacts_last_4_weeks,
        cast(ranked.main_category as string) as top_category,
        cast(by_customer.first_contact_at as timestamp) as first_contact_at,
        cast(by_customer.last_contact_at as timestamp) as last_contact_at,
        cast(
            {{ feedback_lakehouse.timestamp_diff(
                'by_customer.first_contact_at', 'by_customer.last_contact_at', 'day'
            ) }}
            as int
        ) as days_between_first_and_last,
        cast(by_customer.max_priority_score as double) as max_priority_score
    from by_customer
    inner join ranked
        on
            by_customer.customer_id = ranked.customer_id
            and ranked.category_rank = 1

)

select * from final
