-- A custom CSV source (bring your own data), columns named by its YAML mapping: casts,
-- the rating put on the 1-5 scale, the latest version per record id. The timestamp was
-- parsed and converted to UTC by the bronze reader (created_at_utc). Without a
-- timestamp column, created_at is null here (the canonical model falls back to the load
-- time, and says so in has_source_timestamp).
with

source as (

    select * from {{ feedback_lakehouse.bronze_relation('custom__feedback') }}
    where not _is_rejected

),

renamed as (

    select
        source_name,
        record_id,
        channel,
        product as product_sku,
        customer_id,
        {{ dbt.safe_cast('rating', dbt.type_float()) }} as rating,
        {{ dbt.safe_cast('rating_min', dbt.type_float()) }} as rating_min,
        {{ dbt.safe_cast('rating_max', dbt.type_float()) }} as rating_max,
        title,
        body,
        -- parsed per row by the bronze reader (UTC, ISO text); a value it could not parse
        -- quarantined its row there, so this cast cannot fail the build
        cast(created_at_utc as {{ api.Column.translate_type('timestamp') }}) as created_at,
        lower(trim(gold_category)) as gold_category,
        lower(trim(gold_sentiment)) as gold_sentiment,
        lower(trim(gold_label_scheme)) as gold_label_scheme,
        lower(trim(split)) as split,
        _source_file as source_file,
        _row_number as source_row_number,
        _ingested_at as ingested_at
    from source

),

versioned as (

    select
        *,
        row_number() over (
            partition by source_name, record_id
            order by ingested_at desc, source_file desc, source_row_number desc
        ) as version_rank,
        count(*) over (partition by source_name, record_id) as record_versions
    from renamed

),

final as (

    select
        source_name,
        record_id,
        channel,
        product_sku,
        customer_id,
        case
            when rating is null then null
            when rating_max > rating_min
                then 1 + 4 * (rating - rating_min) / (rating_max - rating_min)
        end as rating_normalized,
        title,
        body,
        created_at,
        gold_category,
        gold_sentiment,
        gold_label_scheme,
        split,
        source_file,
        source_row_number,
        ingested_at,
        record_versions
    from versioned
    where version_rank = 1

)

select * from final
