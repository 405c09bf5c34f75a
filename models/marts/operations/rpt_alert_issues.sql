-- Per Jira issue an alert created: its state as Jira last reported it (`feedback alerts
-- sync`; open / in progress / done by Jira's status category), when it was created and
-- resolved, and the complaint volume in its category (records labelled with it) per day
-- in the var alert_issue_baseline_days before the issue was created and per day since it
-- was resolved (to the latest feedback), so a team sees whether closing it helped.
with

issues as (

    select * from {{ ref('stg_jira__issues') }}

),

feedback as (

    select * from {{ ref('fct_feedback') }}
    where status in ('ok', 'needs_review')

),

data_end as (

    select max(created_at) as latest_feedback_at
    from feedback

),

volumes as (

    select
        issues.issue_key,
        sum(
            case
                when
                    feedback.created_at < issues.created_at
                    and feedback.created_at >= {{ feedback_lakehouse.add_interval(
                        'day', -var('alert_issue_baseline_days'), 'issues.created_at'
                    ) }}
                    then 1
                else 0
            end
        ) as complaints_before_issue,
        sum(
            case when feedback.created_at > issues.resolved_at then 1 else 0 end
        ) as complaints_since_resolved
    from issues
    left join feedback
        on issues.main_category = feedback.main_category
    group by issues.issue_key

),

measured as (

    select
        issues.*,
        volumes.complaints_before_issue,
        volumes.complaints_since_resolved,
        {{ feedback_lakehouse.timestamp_diff('issues.created_at', 'issues.resolved_at', 'second') }}
        / 3600.0 as hours_to_resolve,
        {{ feedback_lakehouse.timestamp_diff(
            'issues.resolved_at', 'data_end.latest_feedback_at', 'second'
        ) }} / 86400.0 as days_since_resolved
    from issues
    left join volumes
        on issues.issue_key = volumes.issue_key
    cross join data_end

),

final as (

    select
        cast(issue_key as string) as issue_key,
        cast(alert_id as string) as alert_id,
        cast(alert_type as string) as alert_type,
        cast(main_category as string) as main_category,
        cast(
            case status_category
                when 'new' then 'open'
                when 'indeterminate' then 'in progress'
                when 'done' then 'done'
                else 'unknown'
            end as string
        ) as state,
        cast(status_name as string) as status_name,
        cast(created_at as timestamp) as issue_created_at,
        cast(resolved_at as timestamp) as resolved_at,
        cast(round(hours_to_resolve, 2) as double) as hours_to_resolve,
        cast(synced_at as timestamp) as last_synced_at,
        cast({{ var('alert_issue_baseline_days') }} as int) as baseline_days,
        cast(coalesce(complaints_before_issue, 0) as bigint) as complaints_before_issue,
        cast(
            round(
                coalesce(complaints_before_issue, 0) * 1.0
                / {{ var('alert_issue_baseline_days') }},
                2
            ) as double
        ) as complaints_per_day_before_issue,
        cast(
            case when resolved_at is not null then coalesce(complaints_since_resolved, 0) end
            as bigint
        ) as complaints_since_resolved,
        cast(round(days_since_resolved, 2) as double) as days_since_resolved,
        cast(
            case
                when days_since_resolved > 0
                    then round(coalesce(complaints_since_resolved, 0) / days_since_resolved, 2)
            end as double
        ) as complaints_per_day_since_resolved
    from measured

)

select * from final
