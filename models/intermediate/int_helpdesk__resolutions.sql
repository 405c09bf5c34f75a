-- One row per helpdesk ticket (its latest version): whether and when it was solved, and
-- whether a self-service macro closed it. solved_at comes from the export when it has
-- it; else a ticket whose status is solved or closed counts as solved at its updated_at
-- (solved_at_basis says which). A ticket is deflected (closed by self-service) only when
-- it is solved and one of its macro ids is in var self_service_macro_ids: the export
-- says so, nothing is inferred from the text.
{%- set matches = [] %}
{%- for macro_id in var('self_service_macro_ids', []) %}
    {%- do matches.append("macro_ids like '%," ~ macro_id ~ ",%'") %}
{%- endfor %}
{%- set is_self_service = '(' ~ matches | join(' or ') ~ ')' if matches else 'false' %}

with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

resolved as (

    select
        ticket_id,
        {{ dbt.concat(["'helpdesk:'", "ticket_id"]) }} as feedback_id,
        ticket_status,
        created_at,
        updated_at,
        macro_ids,
        ticket_status in ('solved', 'closed') as is_solved,
        case
            when ticket_status not in ('solved', 'closed') then null
            when solved_at is not null then solved_at
            else updated_at
        end as solved_at,
        case
            when ticket_status not in ('solved', 'closed') then null
            when solved_at is not null then 'solved_at'
            else 'updated_at'
        end as solved_at_basis
    from tickets

),

final as (

    select
        ticket_id,
        feedback_id,
        ticket_status,
        created_at,
        updated_at,
        is_solved,
        solved_at,
        solved_at_basis,
        {{ feedback_lakehouse.timestamp_diff(
            'created_at', 'solved_at', 'second'
        ) }} / 3600.0 as hours_to_solve,
        coalesce(is_solved and {{ is_self_service }}, false) as is_self_service_closed
    from resolved

)

select * from final
