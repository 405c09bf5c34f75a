-- The decision in force per feedback record: the latest one (by decided_at, then the
-- latest load). A corrected category outside the taxonomy version in force is dropped
-- (the model's category stays) and flagged, never stored as a label.
with

decisions as (

    select * from {{ ref('stg_reviews__decisions') }}

),

categories as (

    select * from {{ ref('taxonomy_categories') }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by feedback_id
            order by decided_at desc, ingested_at desc, decision_id desc
        ) as decision_rank,
        count(*) over (partition by feedback_id) as decisions_count
    from decisions

),

final as (

    select
        ranked.feedback_id,
        ranked.decision_id,
        ranked.reviewer,
        ranked.decided_at,
        case
            when ranked.corrected_category = 'unknown' then 'unknown'
            else categories.category_id
        end as corrected_category,
        ranked.corrected_sentiment,
        ranked.corrected_urgency,
        ranked.verdict,
        ranked.note,
        ranked.decisions_count,
        {{ taxonomy_version_in_force() }} as taxonomy_version,
        coalesce(
            ranked.corrected_category is not null
            and ranked.corrected_category != 'unknown'
            and categories.category_id is null,
            false
        ) as has_invalid_category
    from ranked
    left join categories
        on ranked.corrected_category = categories.category_id
    where ranked.decision_rank = 1

)

select * from final
