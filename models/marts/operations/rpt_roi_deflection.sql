-- Return on the pipeline, one row: analyst hours a manual read of every labelled text
-- would have taken (`minutes_per_manual_read`, at `analyst_hourly_cost_usd`) against what
-- the enrichment cost, plus the support tickets self-service content could deflect
-- (`minutes_per_ticket_handled` each).
with

kpis as (

    select * from {{ ref('rpt_pipeline_kpis') }}
    where kpi_scope = 'all'

),

candidates as (

    select
        count(*) as self_service_candidates,
        coalesce(sum(tickets), 0) as repeated_tickets,
        coalesce(sum(deflectable_tickets), 0) as deflectable_tickets
    from {{ ref('rpt_self_service_candidates') }}

),

calendar as (

    select max(week_start_date) as week_start_date
    from {{ ref('fct_feedback_reporting') }}

),

estimated as (

    select
        calendar.week_start_date,
        kpis.labelled_records,
        kpis.labelled_records * {{ var('minutes_per_manual_read') }} / 60.0 as analyst_hours_saved,
        kpis.enrichment_cost_usd,
        candidates.self_service_candidates,
        candidates.repeated_tickets,
        candidates.deflectable_tickets,
        candidates.deflectable_tickets * {{ var('minutes_per_ticket_handled') }} / 60.0
            as deflectable_support_hours
    from kpis
    cross join candidates
    cross join calendar

),

final as (

    select
        cast(week_start_date as date) as latest_week_start_date,
        cast(labelled_records as bigint) as labelled_records,
        cast({{ var('minutes_per_manual_read') }} as double) as minutes_per_manual_read,
        cast({{ var('analyst_hourly_cost') }} as double) as analyst_hourly_cost_usd,
        cast(round(analyst_hours_saved, 2) as double) as analyst_hours_saved,
        cast(round(analyst_hours_saved * {{ var('analyst_hourly_cost') }}, 2) as double)
            as analyst_cost_avoided_usd,
        cast(round(enrichment_cost_usd, 4) as double) as enrichment_cost_usd,
        cast(
            round(analyst_hours_saved * {{ var('analyst_hourly_cost') }} - enrichment_cost_usd, 2)
            as double
        ) as net_savings_usd,
        cast(self_service_candidates as bigint) as self_service_candidates,
        cast(repeated_tickets as bigint) as repeated_tickets,
        cast(deflectable_tickets as bigint) as deflectable_tickets,
        cast(round(deflectable_support_hours, 2) as double) as deflectable_support_hours
    from estimated

)

select * from final
