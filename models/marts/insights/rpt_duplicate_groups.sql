-- Recurrence by complaint: every group of two or more records saying the same thing,
-- in the same or in slightly different words (int_texts__near_duplicates: word order,
-- synonyms, typos, filler; re-exports and copy-pasted complaints too), largest first.
-- Only the masked text is shown.
with

records as (

    -- near_duplicate_group_id: fct_feedback_reporting's (int_texts__near_duplicates)
    select * from {{ ref('fct_feedback_reporting') }}
    where
        not is_empty
        and not is_spam

),

sized as (

    select
        *,
        -- counted without spam: a text whose other copies are spam is no group of one
        count(*) over (partition by near_duplicate_group_id) as duplicate_group_size
    from records

),

feedback as (

    select * from sized
    where duplicate_group_size > 1

),

ranked as (

    select
        *,
        row_number() over (
            partition by near_duplicate_group_id
            order by created_at asc, feedback_id asc
        ) as record_rank
    from feedback

),

grouped as (

    select
        near_duplicate_group_id,
        count(*) as group_size,
        count(distinct text_hash) as distinct_texts,
        count(distinct source) as sources,
        count(distinct customer_id) as customers,
        sum(case when source = 'helpdesk_tickets' then 1 else 0 end) as helpdesk_tickets,
        sum(case when weeks_before_as_of = 0 then 1 else 0 end) as records_this_week,
        min(created_at) as first_seen_at,
        max(created_at) as last_seen_at
    from feedback
    group by near_duplicate_group_id

),

final as (

    select
        -- row_number() is bigint on DuckDB, int on Spark: the contract says bigint
        cast(row_number() over (
            order by
                grouped.group_size desc,
                grouped.last_seen_at desc,
                grouped.near_duplicate_group_id asc
        ) as bigint) as group_rank,
        cast(grouped.near_duplicate_group_id as string) as near_duplicate_group_id,
        cast(first_record.text_hash as string) as text_hash,
        cast(first_record.masked_text as string) as example_text,
        cast(first_record.main_category as string) as main_category,
        cast(first_record.suggested_owner as string) as owner_team,
        cast(first_record.sentiment as string) as sentiment,
        cast(grouped.group_size as bigint) as group_size,
        cast(grouped.distinct_texts as bigint) as distinct_texts,
        cast(grouped.sources as bigint) as sources,
        cast(grouped.customers as bigint) as customers,
        cast(grouped.helpdesk_tickets as bigint) as helpdesk_tickets,
        cast(grouped.records_this_week as bigint) as records_this_week,
        cast(grouped.first_seen_at as timestamp) as first_seen_at,
        cast(grouped.last_seen_at as timestamp) as last_seen_at
    from grouped
    inner join ranked as first_record
        on
            grouped.near_duplicate_group_id = first_record.near_duplicate_group_id
            and first_record.record_rank = 1

)

select * from final
