-- One row per distinct text worth sending to a model: empty texts and spam are not sent.
-- Texts that normalise alike share one enrichment; the earliest record's wording is sent.
with

feedback as (

    select * from {{ ref('int_feedback__canonical') }}

),

ranked as (

    select
        text_hash,
        masked_text,
        language,
        row_number() over (
            partition by text_hash
            order by created_at, feedback_id
        ) as text_rank
    from feedback
    where
        not is_empty
        and not is_spam

),

final as (

    select
        text_hash,
        masked_text as text,
        language
    from ranked
    where text_rank = 1

)

select * from final
