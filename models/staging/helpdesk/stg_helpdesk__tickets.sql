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
        lower(status) as ticket_status,
        lower(priority) as ticket_priority,
        lower(requester_email) as requester_email,
        tags,
        lower(channel) as channel,
        product_sku,
        order_number,
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
        ticket_status,
        ticket_priority,
        requester_email,
        tags,
        channel,
        product_sku,
        order_number,
        source_file,
        source_row_number,
        ingested_at,
        record_versions,
        last_ingested_at
    from versioned
    where version_rank = 1

)

select * from final
