-- Human gold labels, one row per feedback record and label scheme (the latest load wins).
with

source as (

    select * from {{ feedback_lakehouse.bronze_relation('gold__labels') }}
    where not _is_rejected

),

renamed as (

    select
        trim(feedback_id) as feedback_id,
        lower(trim(gold_category)) as gold_category,
        lower(trim(gold_sentiment)) as gold_sentiment,
        lower(trim(label_scheme)) as label_scheme,
        coalesce(lower(trim(split)), 'test') as split,
        labeller,
        _source_file as source_file,
        _row_number as source_row_number,
        _ingested_at as ingested_at
    from source

),

versioned as (

    select
        *,
        row_number() over (
            partition by feedback_id, label_scheme
            order by ingested_at desc, source_file desc, source_row_number desc
        ) as version_rank
    from renamed

),

final as (

    select
        feedback_id,
        gold_category,
        gold_sentiment,
        label_scheme,
        split,
        labeller,
        source_file,
        ingested_at
    from versioned
    where version_rank = 1

)

select * from final
