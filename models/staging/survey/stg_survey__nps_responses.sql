with

source as (

    select * from {{ feedback_lakehouse.bronze_relation('survey__nps_responses') }}
    where not _is_rejected

),

renamed as (

    select
        response_id,
        cast(score as integer) as nps_score,
        comment,
        {{ feedback_lakehouse.parse_timestamp('submitted_at', 'day_first_minutes') }}
            as submitted_at,
        customer_id,
        _source_file as source_file,
        _row_number as source_row_number,
        _ingested_at as ingested_at
    from source

),

versioned as (

    select
        *,
        row_number() over (
            partition by response_id
            order by ingested_at desc, source_file desc, source_row_number desc
        ) as version_rank,
        count(*) over (partition by response_id) as record_versions
    from renamed

),

final as (

    select
        response_id,
        nps_score,
        comment,
        submitted_at,
        customer_id,
        source_file,
        source_row_number,
        ingested_at,
        record_versions
    from versioned
    where version_rank = 1

)

select * from final
