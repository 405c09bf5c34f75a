-- The status decision with human review applied: a review decision overrides the
-- model's category, sentiment and urgency (the model's stay beside them, model_*) and
-- clears needs_review. Reviewer labels are labels: on a record that was never enriched
-- (spam, empty, not yet enriched) they apply with the taxonomy version in force, the
-- version its corrected category was checked against.
with

decided as (

    select * from {{ ref('int_feedback__status') }}

),

reviews as (

    select * from {{ ref('int_review_decisions__latest') }}

),

final as (

    select
        decided.*,
        coalesce(reviews.corrected_category, decided.model_main_category) as main_category,
        coalesce(reviews.corrected_sentiment, decided.model_sentiment) as sentiment,
        coalesce(reviews.corrected_urgency, decided.model_urgency) as urgency,
        case
            when decided.taxonomy_version is not null then decided.taxonomy_version
            when reviews.feedback_id is not null then {{ taxonomy_version_in_force() }}
        end as labels_taxonomy_version,
        reviews.feedback_id is not null as is_reviewed,
        decided.status = 'needs_review' and reviews.feedback_id is null as needs_review,
        reviews.verdict as review_verdict,
        reviews.reviewer as reviewed_by,
        reviews.decided_at as reviewed_at
    from decided
    left join reviews
        on decided.feedback_id = reviews.feedback_id

)

select * from final
