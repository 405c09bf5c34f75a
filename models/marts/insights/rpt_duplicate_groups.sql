-- Recurrence by text: every group of two or more records sharing a normalised text
-- (re-exports, copy-pasted complaints, the same question asked again), largest first.
-- Only the masked text is shown.
with

records as (

    select * from {{ ref('fct_feedback_reporting') }}

),

sized as (

    select
        *,
        count(*) over (partition by text_hash) as duplicate_group_size
    from records
    where not is_empty

),

feedback as (

    select * from sized
    where
        not is_spam
        and duplicate_group_size > 1

),

ranked as (

    select
        *,
        row_number() over (
            partition by text_hash
            order by created_at asc, feedback_id asc
        ) as record_rank
    from feedback

),

grouped as (

    select
        text_hash,
        count(*) as group_size,
        count(distinct source) as sources,
        count(distinct customer_id) as customers,
        sum(case when source = 'helpdesk_tickets' then 1 else 0 end) as helpdesk_tickets,
        sum(case when weeks_before_as_of = 0 then 1 else 0 end) as records_this_week,
        min(created_at) as first_seen_at,
        max(created_at) as last_seen_at
    from feedback
    group by text_hash

),

final as (

    select
        -- row_number() is bigint on DuckDB, int on Spark: the contract says bigint
        cast(row_number() over (
            order by grouped.group_size desc, grouped.last_seen_at desc, grouped.text_hash asc
        ) as bigint) as group_rank,
        cast(grouped.text_hash as string) as text_hash,
        cast(first_record.masked_text as string) as example_text,
        cast(first_record.main_category as string) as main_category,
        cast(first_record.suggested_owner as string) as owner_team,
        cast(first_record.sentiment as string) as sentiment,
        cast(grouped.group_size as bigint) as group_size,
        cast(grouped.sources as bigint) as sources,
        cast(grouped.customers as bigint) as customers,
        cast(grouped.helpdesk_tickets as bigint) as helpdesk_tickets,
        cast(grouped.records_this_week as bigint) as records_this_week,
        cast(grouped.first_seen_at as timestamp) as first_seen_at,
        cast(grouped.last_seen_at as timestamp) as last_seen_at
    from grouped
    inner join ranked as first_record
        on
            grouped.text_hash = first_record.text_hash
            and first_record.record_rank = 1

)

select * from final
