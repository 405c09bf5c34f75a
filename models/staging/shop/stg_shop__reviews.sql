with

source as (

    select * from {{ feedback_lakehouse.bronze_relation('shop__reviews') }}
    where not _is_rejected

),

renamed as (

    select
        review_id,
        product_sku,
        cast(rating as integer) as rating,
        review_title as title,
        review_body as body,
        {{ feedback_lakehouse.parse_timestamp('created_at', 'iso_seconds') }} as created_at,
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
            partition by review_id
            order by ingested_at desc, source_file desc, source_row_number desc
        ) as version_rank,
        count(*) over (partition by review_id) as record_versions
    from renamed

),

final as (

    select
        review_id,
        product_sku,
        rating,
        title,
        body,
        created_at,
        customer_id,
        source_file,
        source_row_number,
        ingested_at,
        record_versions
    from versioned
    where version_rank = 1

)

select * from final
