-- Where every feedback record ended: ok, needs_review, failed or deferred, with the reason,
-- per source. Quarantined landing rows are in rpt_quarantined_rows.
with

feedback as (

    select * from {{ ref('fct_feedback') }}

),

final as (

    select
        source,
        status,
        coalesce(status_reason, 'labelled') as status_reason,
        count(*) as records
    from feedback
    group by source, status, coalesce(status_reason, 'labelled')

)

select * from final
