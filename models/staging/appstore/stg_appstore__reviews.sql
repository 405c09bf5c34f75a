-- App-store exports carry no review id: the id is a hash of the whole record, so an
-- exact re-export collapses into one review.
with

source as (

    select * from {{ feedback_lakehouse.bronze_relation('appstore__reviews') }}
    where not _is_rejected

),

renamed as (

    select
        {{ dbt.hash(dbt.concat([
            "coalesce(platform, '')", "'|'",
            "coalesce(app_version, '')", "'|'",
            "coalesce(rating, '')", "'|'",
            "coalesce(review_text, '')", "'|'",
            "coalesce(review_date, '')", "'|'",
            "coalesce(country, '')"
        ])) }} as review_id,
        lower(platform) as platform,
        app_version,
        cast(rating as integer) as rating,
        review_text,
        {{ feedback_lakehouse.parse_timestamp('review_date', 'iso_date') }} as reviewed_at,
        upper(country) as country_code,
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
        platform,
        app_version,
        rating,
        review_text,
        reviewed_at,
        country_code,
        source_file,
        source_row_number,
        ingested_at,
        record_versions
    from versioned
    where version_rank = 1

)

select * from final
