-- Measured review time, one row per human review decision: the minutes since the same
-- reviewer's previous decision, when that gap is at most var review_session_gap_minutes
-- (a working session). A longer gap is a break, not review time: the first decision of
-- a session counts at that reviewer's median in-session gap instead (basis
-- reviewer_median); a reviewer with no in-session gap at all leaves it unmeasured (null
-- minutes, basis unmeasured) rather than guessed.
with

decisions as (

    select * from {{ ref('stg_reviews__decisions') }}
    where reviewer is not null and decided_at is not null

),

ordered as (

    select
        decision_id,
        feedback_id,
        reviewer,
        decided_at,
        lag(decided_at) over (
            partition by reviewer order by decided_at, decision_id
        ) as previous_decided_at
    from decisions

),

gaps as (

    select
        *,
        {{ feedback_lakehouse.timestamp_diff('previous_decided_at', 'decided_at', 'second') }}
        / 60.0 as gap_minutes
    from ordered

),

flagged as (

    select
        *,
        coalesce(gap_minutes <= {{ var('review_session_gap_minutes') }}, false)
            as is_in_session
    from gaps

),

reviewer_medians as (

    select
        reviewer,
        {{ feedback_lakehouse.percentile_value('gap_minutes', 0.5) }} as median_gap_minutes
    from flagged
    where is_in_session
    group by reviewer

),

final as (

    select
        flagged.decision_id,
        flagged.feedback_id,
        flagged.reviewer,
        flagged.decided_at,
        flagged.gap_minutes,
        case
            when flagged.is_in_session then flagged.gap_minutes
            else reviewer_medians.median_gap_minutes
        end as review_minutes,
        case
            when flagged.is_in_session then 'gap'
            when reviewer_medians.median_gap_minutes is not null then 'reviewer_median'
            else 'unmeasured'
        end as review_minutes_basis
    from flagged
    left join reviewer_medians
        on flagged.reviewer = reviewer_medians.reviewer

)

select * from final
