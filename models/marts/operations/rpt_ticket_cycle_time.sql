-- Issue-resolution cycle time per category, from the helpdesk's own status and times:
-- tickets, how many are solved (solved or closed), open, closed by a self-service macro,
-- and the median and 90th percentile hours from created to solved (the export's
-- solved_at, else the updated_at of a solved or closed ticket: solved_from_updated_at
-- counts those). A category is the ticket's label in force.
with

resolutions as (

    select * from {{ ref('int_helpdesk__resolutions') }}

),

feedback as (

    select * from {{ ref('fct_feedback') }}

),

labelled as (

    select
        coalesce(feedback.main_category, 'unknown') as main_category,
        resolutions.is_solved,
        resolutions.is_self_service_closed,
        resolutions.solved_at_basis,
        resolutions.hours_to_solve
    from resolutions
    left join feedback
        on resolutions.feedback_id = feedback.feedback_id

),

grouped as (

    select
        main_category,
        count(*) as tickets,
        sum(case when is_solved then 1 else 0 end) as solved_tickets,
        sum(case when is_self_service_closed then 1 else 0 end) as self_service_closed_tickets,
        sum(case when solved_at_basis = 'updated_at' then 1 else 0 end)
            as solved_from_updated_at,
        {{ feedback_lakehouse.percentile_value('hours_to_solve', 0.5) }} as median_hours_to_solve,
        {{ feedback_lakehouse.percentile_value('hours_to_solve', 0.9) }} as p90_hours_to_solve
    from labelled
    group by main_category

),

final as (

    select
        cast(main_category as string) as main_category,
        cast(tickets as bigint) as tickets,
        cast(solved_tickets as bigint) as solved_tickets,
        cast(tickets - solved_tickets as bigint) as open_tickets,
        cast(self_service_closed_tickets as bigint) as self_service_closed_tickets,
        cast(solved_from_updated_at as bigint) as solved_from_updated_at,
        cast(round(median_hours_to_solve, 2) as double) as median_hours_to_solve,
        cast(round(p90_hours_to_solve, 2) as double) as p90_hours_to_solve
    from grouped

)

select * from final
