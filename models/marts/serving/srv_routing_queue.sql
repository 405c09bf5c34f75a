-- Each owner team's queue for business users: what to look at, in order, without
-- customer identifiers; the text is the masked one.
with

queue as (

    select * from {{ ref('rpt_routing_queue') }}

),

final as (

    select
        cast(owner_team as string) as owner_team,
        cast(team_name as string) as team_name,
        cast(team_queue_rank as int) as team_queue_rank,
        cast(feedback_id as string) as feedback_id,
        cast(priority_score as double) as priority_score,
        cast(main_category as string) as main_category,
        cast(sentiment as string) as sentiment,
        cast(urgency as string) as urgency,
        cast(source as string) as source,
        cast(product_sku as string) as product_sku,
        cast(app_version as string) as app_version,
        cast(customer_tier as string) as customer_tier,
        cast(short_summary as string) as short_summary,
        cast(masked_text as string) as masked_text,
        cast(created_at as timestamp) as created_at
    from queue

)

select * from final
