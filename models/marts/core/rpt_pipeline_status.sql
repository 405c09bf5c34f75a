-- Where every feedback record ended: ok, needs_review, failed or deferred, with the reason,
-- per source. Quarantined landing rows are in rpt_quarantined_rows. A record that keeps an
-- earlier good label while the provider in force's latest attempt failed or was deferred
-- is counted with that attempt's status and error (latest_attempt_*), so a failed run
-- is loud here even though fct_feedback still shows the good labels.
with

feedback as (

    select * from {{ ref('fct_feedback') }}

),

classified as (

    select
        source,
        status,
        coalesce(status_reason, 'labelled') as status_reason,
        case
            when
                status in ('ok', 'needs_review')
                and latest_attempt_status in ('failed', 'deferred')
                then latest_attempt_status
        end as latest_attempt_status,
        case
            when
                status in ('ok', 'needs_review')
                and latest_attempt_status in ('failed', 'deferred')
                then coalesce(latest_attempt_error, 'no error recorded')
        end as latest_attempt_error
    from feedback

),

final as (

    select
        source,
        status,
        status_reason,
        latest_attempt_status,
        latest_attempt_error,
        count(*) as records
    from classified
    group by source, status, status_reason, latest_attempt_status, latest_attempt_error

)

select * from final
