-- Human review decisions, one row per decision (a file dropped twice counts once).
with

source as (

    select * from {{ feedback_lakehouse.bronze_relation('reviews__decisions') }}
    where not _is_rejected

),

renamed as (

    select
        feedback_id,
        trim(reviewer) as reviewer,
        {{ feedback_lakehouse.parse_timestamp('decided_at', 'iso_zulu') }} as decided_at,
        lower(trim(corrected_category)) as corrected_category,
        lower(trim(corrected_sentiment)) as corrected_sentiment,
        lower(trim(corrected_urgency)) as corrected_urgency,
        lower(trim(verdict)) as verdict,
        note,
        _source_file as source_file,
        _row_number as source_row_number,
        _ingested_at as ingested_at
    from source

),

versioned as (

    select
        *,
        row_number() over (
            partition by feedback_id, reviewer, decided_at
            order by ingested_at desc, source_file desc, source_row_number desc
        ) as version_rank
    from renamed

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "feedback_id", "'|'", "reviewer", "'|'",
            dbt.safe_cast("decided_at", dbt.type_string())
        ])) }} as decision_id,
        feedback_id,
        reviewer,
        decided_at,
        corrected_category,
        corrected_sentiment,
        corrected_urgency,
        verdict,
        note,
        source_file,
        source_row_number,
        ingested_at
    from versioned
    where version_rank = 1

)

select * from final
