-- The support questions asked again and again: helpdesk tickets whose normalised text
-- repeats (at least `self_service_min_tickets` tickets), as candidates for help-centre
-- articles or in-app answers. Every ticket after the first is one a page could deflect.
with

tickets as (

    select * from {{ ref('fct_feedback_reporting') }}
    where
        source = 'helpdesk_tickets'
        and not is_empty
        and not is_spam

),

ranked as (

    select
        *,
        row_number() over (
            partition by text_hash
            order by created_at asc, feedback_id asc
        ) as ticket_rank
    from tickets

),

grouped as (

    select
        text_hash,
        count(*) as tickets,
        count(distinct customer_id) as customers,
        sum(case when weeks_before_as_of < 4 then 1 else 0 end) as tickets_last_4_weeks,
        min(created_at) as first_asked_at,
        max(created_at) as last_asked_at
    from tickets
    group by text_hash
    having count(*) >= {{ var('self_service_min_tickets') }}

),

final as (

    select
        cast(
            row_number() over (
                order by grouped.tickets desc, grouped.last_asked_at desc, grouped.text_hash asc
            ) as int
        ) as candidate_rank,
        cast(grouped.text_hash as string) as text_hash,
        cast(first_ticket.masked_text as string) as example_question,
        cast(first_ticket.main_category as string) as main_category,
        cast(first_ticket.suggested_owner as string) as owner_team,
        cast(grouped.tickets as bigint) as tickets,
        cast(grouped.customers as bigint) as customers,
        cast(grouped.tickets_last_4_weeks as bigint) as tickets_last_4_weeks,
        cast(grouped.tickets - 1 as bigint) as deflectable_tickets,
        cast(grouped.first_asked_at as timestamp) as first_asked_at,
        cast(grouped.last_asked_at as timestamp) as last_asked_at
    from grouped
    inner join ranked as first_ticket
        on
            grouped.text_hash = first_ticket.text_hash
            and first_ticket.ticket_rank = 1

)

select * from final
