with

source as (

    select * from {{ feedback_lakehouse.bronze_relation('helpdesk__tickets') }}
    where not _is_rejected

),

renamed as (

    select
        ticket_id,
        subject,
        description,
        {{ feedback_lakehouse.parse_timestamp('created_at', 'iso_zulu') }} as created_at,
        {{ feedback_lakehouse.parse_timestamp('updated_at', 'iso_zulu') }} as updated_at,
        {{ feedback_lakehouse.parse_timestamp('solved_at', 'iso_zulu') }} as solved_at,
        lower(status) as ticket_status,
        lower(priority) as ticket_priority,
        lower(requester_email) as requester_email,
        tags,
        lower(channel) as channel,
        product_sku,
        order_number,
        -- the macro ids as one comma-separated list (",360001,42,"), from the JSON array
        case
            when macro_ids is not null
                then {{ dbt.concat([
                    "','",
                    feedback_lakehouse.regex_replace('macro_ids', '[^0-9A-Za-z_,-]', ''),
                    "','",
                ]) }}
        end as macro_ids,
        _source_file as source_file,
        _row_number as source_row_number,
        _ingested_at as ingested_at
    from source

),

versioned as (

    select
        *,
        row_number() over (
            partition by ticket_id
            order by updated_at desc, ingested_at desc, source_file desc, source_row_number desc
        ) as version_rank,
        count(*) over (partition by ticket_id) as record_versions,
        -- the newest copy's arrival, even when an older version arrived last (the
        -- incremental cleaning picks the ticket up again)
        max(ingested_at) over (partition by ticket_id) as last_ingested_at
    from renamed

),

final as (

    select
        ticket_id,
        subject,
        description,
        created_at,
        updated_at,
        solved_at,
        ticket_status,
        ticket_priority,
        requester_email,
        tags,
        channel,
        product_sku,
        order_number,
        macro_ids,
        source_file,
        source_row_number,
        ingested_at,
        record_versions,
        last_ingested_at
    from versioned
    where version_rank = 1

)

select * from final
