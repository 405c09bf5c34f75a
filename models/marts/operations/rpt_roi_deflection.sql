-- Return on the pipeline in one row, from measured inputs where they exist:
-- * analyst time saved: only records labelled with confidence (status ok, a category
--   that is not unknown, not flagged for review) count, at the assumed
--   minutes_per_manual_read each; unknown and needs_review records are not saved: a
--   human still reads them;
-- * review time: measured from the review decisions' timestamps (int_review__effort),
--   costed at analyst_hourly_cost and subtracted;
-- * deflection: only helpdesk tickets the export says were closed by a self-service
--   macro (var self_service_macro_ids), at the assumed minutes_per_ticket_handled each;
--   repeated questions (rpt_self_service_candidates) are shown as candidates, not savings.
-- The remaining assumptions are the vars, listed as columns named assumed_*.
{%- set macro_list = var('self_service_macro_ids', []) | join(',') %}

with

feedback as (

    select * from {{ ref('fct_feedback') }}

),

kpis as (

    select * from {{ ref('rpt_pipeline_kpis') }}
    where kpi_scope = 'all'

),

review_effort as (

    select * from {{ ref('int_review__effort') }}

),

resolutions as (

    select * from {{ ref('int_helpdesk__resolutions') }}

),

candidates as (

    select * from {{ ref('rpt_self_service_candidates') }}

),

calendar as (

    select max(week_start_date) as week_start_date
    from {{ ref('fct_feedback_reporting') }}

),

labels as (

    select
        sum(
            case
                when
                    enrichment_key is not null and status = 'ok' and not needs_review
                    and main_category != 'unknown'
                    then 1
                else 0
            end
        ) as records_saved,
        sum(case when status = 'needs_review' or needs_review then 1 else 0 end)
            as records_needing_review,
        sum(
            case
                when
                    enrichment_key is not null and status in ('ok', 'needs_review')
                    and main_category = 'unknown'
                    then 1
                else 0
            end
        ) as records_unknown
    from feedback

),

review as (

    select
        count(*) as review_decisions,
        sum(case when review_minutes_basis = 'unmeasured' then 1 else 0 end)
            as review_decisions_unmeasured,
        coalesce(sum(review_minutes), 0) / 60.0 as review_hours_measured
    from review_effort

),

tickets as (

    select
        count(*) as helpdesk_tickets,
        sum(case when is_solved then 1 else 0 end) as solved_tickets,
        sum(case when is_self_service_closed then 1 else 0 end) as self_service_closed_tickets
    from resolutions

),

repeated as (

    select
        count(*) as self_service_candidates,
        coalesce(sum(tickets), 0) as repeated_tickets
    from candidates

),

combined as (

    select
        calendar.week_start_date,
        kpis.labelled_records,
        kpis.enrichment_cost_usd,
        labels.records_saved,
        labels.records_needing_review,
        labels.records_unknown,
        review.review_decisions,
        review.review_decisions_unmeasured,
        review.review_hours_measured,
        tickets.helpdesk_tickets,
        tickets.solved_tickets,
        tickets.self_service_closed_tickets,
        repeated.self_service_candidates,
        repeated.repeated_tickets,
        labels.records_saved * {{ var('minutes_per_manual_read') }} / 60.0
            as analyst_hours_saved,
        tickets.self_service_closed_tickets * {{ var('minutes_per_ticket_handled') }} / 60.0
            as deflected_support_hours
    from kpis
    cross join labels
    cross join review
    cross join tickets
    cross join repeated
    cross join calendar

),

final as (

    select
        cast(week_start_date as date) as latest_week_start_date,
        cast(labelled_records as bigint) as labelled_records,
        cast(records_saved as bigint) as records_saved,
        cast(records_needing_review as bigint) as records_needing_review,
        cast(records_unknown as bigint) as records_unknown,
        cast({{ var('minutes_per_manual_read') }} as double)
            as assumed_minutes_per_manual_read,
        cast({{ var('analyst_hourly_cost') }} as double) as assumed_analyst_hourly_cost_usd,
        cast({{ var('minutes_per_ticket_handled') }} as double)
            as assumed_minutes_per_ticket_handled,
        cast(round(analyst_hours_saved, 2) as double) as analyst_hours_saved,
        cast(round(analyst_hours_saved * {{ var('analyst_hourly_cost') }}, 2) as double)
            as analyst_cost_avoided_usd,
        cast(review_decisions as bigint) as review_decisions,
        cast(review_decisions_unmeasured as bigint) as review_decisions_unmeasured,
        cast({{ var('review_session_gap_minutes') }} as double) as review_session_gap_minutes,
        cast(round(review_hours_measured, 2) as double) as review_hours_measured,
        cast(round(review_hours_measured * {{ var('analyst_hourly_cost') }}, 2) as double)
            as review_cost_usd,
        cast(round(enrichment_cost_usd, 4) as double) as enrichment_cost_usd,
        cast(
            round(
                (analyst_hours_saved - review_hours_measured) * {{ var('analyst_hourly_cost') }}
                - enrichment_cost_usd,
                2
            ) as double
        ) as net_savings_usd,
        cast(helpdesk_tickets as bigint) as helpdesk_tickets,
        cast(solved_tickets as bigint) as solved_tickets,
        cast('{{ macro_list }}' as string) as self_service_macro_ids,
        cast(self_service_closed_tickets as bigint) as self_service_closed_tickets,
        cast(round(deflected_support_hours, 2) as double) as deflected_support_hours,
        cast(self_service_candidates as bigint) as self_service_candidates,
        cast(repeated_tickets as bigint) as repeated_tickets
    from combined

)

select * from final
