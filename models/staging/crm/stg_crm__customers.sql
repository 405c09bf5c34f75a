with

source as (

    select * from {{ feedback_lakehouse.bronze_relation('crm__customers') }}
    where not _is_rejected

),

renamed as (

    select
        customer_id,
        lower(email) as email,
        lower(tier) as customer_tier,
        upper(country) as country_code,
        cast({{ feedback_lakehouse.parse_timestamp('signed_up_on', 'iso_date') }} as date)
            as signed_up_on,
        _source_file as source_file,
        _row_number as source_row_number,
        _ingested_at as ingested_at
    from source

),

versioned as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by ingested_at desc, source_file desc, source_row_number desc
        ) as version_rank
    from renamed

),

final as (

    select
        customer_id,
        email,
        customer_tier,
        country_code,
        signed_up_on,
        ingested_at
    from versioned
    where version_rank = 1

)

select * from final
