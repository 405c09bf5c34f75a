-- The Jira issues the alerts created, their latest state as `feedback alerts sync` read
-- it (the latest sync per issue key), typed.
with

source as (

    select * from {{ feedback_lakehouse.bronze_relation('jira__issues') }}
    where not _is_rejected

),

renamed as (

    select
        issue_key,
        alert_id,
        alert_type,
        main_category,
        status_name,
        lower(status_category) as status_category,
        {{ feedback_lakehouse.parse_timestamp('resolution_date', 'iso_zulu') }} as resolved_at,
        {{ feedback_lakehouse.parse_timestamp('updated', 'iso_zulu') }} as updated_at,
        {{ feedback_lakehouse.parse_timestamp('created', 'iso_zulu') }} as created_at,
        {{ feedback_lakehouse.parse_timestamp('synced_at', 'iso_zulu') }} as synced_at,
        _source_file as source_file,
        _row_number as source_row_number,
        _ingested_at as ingested_at
    from source

),

versioned as (

    select
        *,
        row_number() over (
            partition by issue_key
            order by synced_at desc, ingested_at desc, source_file desc, source_row_number desc
        ) as version_rank
    from renamed

),

final as (

    select
        issue_key,
        alert_id,
        alert_type,
        main_category,
        status_name,
        status_category,
        resolved_at,
        updated_at,
        created_at,
        synced_at,
        source_file,
        ingested_at
    from versioned
    where version_rank = 1

)

select * from final
