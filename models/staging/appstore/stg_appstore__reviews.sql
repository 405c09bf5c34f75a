-- App-store exports carry no review id: the id is a hash of the whole record and of
-- which copy of it in its file the row is. Identical lines of one file (a review bomb:
-- one short text from many users) stay distinct reviews, counted in
-- identical_rows_in_file; the first copy keeps the plain record hash, so a re-export of
-- the row in a later file still collapses onto it (the same bytes under any name are not
-- loaded twice at all).
with

source as (

    select * from {{ feedback_lakehouse.bronze_relation('appstore__reviews') }}
    where not _is_rejected

),

hashed as (

    select
        *,
        {{ dbt.hash(dbt.concat([
            "coalesce(platform, '')", "'|'",
            "coalesce(app_version, '')", "'|'",
            "coalesce(rating, '')", "'|'",
            "coalesce(review_text, '')", "'|'",
            "coalesce(review_date, '')", "'|'",
            "coalesce(country, '')"
        ])) }} as record_hash
    from source

),

numbered as (

    select
        *,
        row_number() over (
            partition by _source_file, _file_hash, record_hash
            order by _row_number
        ) as copy_in_file,
        count(*) over (
            partition by _source_file, _file_hash, record_hash
        ) as identical_rows_in_file
    from hashed

),

renamed as (

    select
        case
            when copy_in_file = 1 then record_hash
            else {{ dbt.hash(dbt.concat([
                "record_hash", "'#'",
                dbt.safe_cast("copy_in_file", dbt.type_string())
            ])) }}
        end as review_id,
        lower(platform) as platform,
        app_version,
        cast(rating as integer) as rating,
        review_text,
        {{ feedback_lakehouse.parse_timestamp('review_date', 'iso_date') }} as reviewed_at,
        upper(country) as country_code,
        identical_rows_in_file,
        _source_file as source_file,
        _row_number as source_row_number,
        _ingested_at as ingested_at
    from numbered

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
        identical_rows_in_file,
        source_file,
        source_row_number,
        ingested_at,
        record_versions
    from versioned
    where version_rank = 1

)

select * from final
