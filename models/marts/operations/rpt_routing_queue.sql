-- The work queue of each owner team, one row per item, highest priority first: recent
-- (the last `routing_queue_weeks` weeks) complaints, urgent items and anything a human
-- should look at, routed to the owner of the (reviewed) category. Praise, spam and
-- empty texts are not work.
with

feedback as (

    select * from {{ ref('fct_feedback_reporting') }}
    where
        suggested_owner is not null
        and not is_empty
        and not is_spam
        and main_category != 'praise'
        and weeks_before_as_of < {{ var('routing_queue_weeks') }}
        and (
            sentiment in ('negative', 'mixed')
            or urgency in ('high', 'critical')
            or needs_review
        )

),

teams as (

    select * from {{ ref('owner_teams') }}

),

final as (

    select
        cast(feedback.suggested_owner as string) as owner_team,
        cast(teams.team_name as string) as team_name,
        cast(teams.channel as string) as team_channel,
        cast(
            row_number() over (
                partition by feedback.suggested_owner
                order by
                    feedback.priority_score desc,
                    feedback.created_at desc,
                    feedback.feedback_id asc
            ) as int
        ) as team_queue_rank,
        cast(feedback.feedback_id as string) as feedback_id,
        cast(feedback.priority_score as double) as priority_score,
        cast(feedback.main_category as string) as main_category,
        cast(feedback.sentiment as string) as sentiment,
        cast(feedback.urgency as string) as urgency,
        cast(feedback.needs_review as boolean) as needs_review,
        cast(feedback.is_reviewed as boolean) as is_reviewed,
        cast(feedback.source as string) as source,
        cast(feedback.channel as string) as channel,
        cast(feedback.product_sku as string) as product_sku,
        cast(feedback.app_version as string) as app_version,
        cast(feedback.customer_tier as string) as customer_tier,
        cast(feedback.short_summary as string) as short_summary,
        cast(feedback.masked_text as string) as masked_text,
        cast(feedback.created_at as timestamp) as created_at,
        cast(feedback.week_start_date as date) as week_start_date
    from feedback
    left join teams
        on feedback.suggested_owner = teams.owner_team

)

select * from final
