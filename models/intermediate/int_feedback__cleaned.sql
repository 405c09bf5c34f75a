-- Text cleaning that keeps meaning, PII masking, and the hash that groups duplicates.
-- `original_text` is kept verbatim beside the cleaned and masked forms.
with

unioned as (

    select * from {{ ref('int_feedback__unioned') }}

),

combined as (

    select
        *,
        case
            when nullif(trim(coalesce(title, '')), '') is null then coalesce(body, '')
            when nullif(trim(coalesce(body, '')), '') is null then title
            else {{ dbt.concat(["title", "'. '", "body"]) }}
        end as original_text
    from unioned

),

cleaned as (

    select
        *,
        {{ feedback_lakehouse.clean_text('original_text') }} as clean_text
    from combined

),

masked as (

    select
        *,
        {{ feedback_lakehouse.mask_pii('clean_text') }} as masked_text
    from cleaned

),

normalized as (

    select
        *,
        {{ feedback_lakehouse.normalize_text('masked_text') }} as normalized_text
    from masked

),

final as (

    select
        feedback_id,
        source,
        source_record_id,
        channel,
        product_sku,
        app_version,
        customer_id,
        requester_email,
        rating_normalized,
        title,
        body,
        original_text,
        clean_text,
        masked_text,
        normalized_text,
        {{ dbt.hash('normalized_text') }} as text_hash,
        normalized_text = '' as is_empty,
        {{ feedback_lakehouse.regex_matches(
            'lower(masked_text)',
            '(https?://|www[.]|buy cheap|cheap followers|click here|free money|crypto giveaway|casino|viagra|earn [$][0-9]+)'
        ) }} as is_spam,
        created_at,
        ingested_at,
        source_file,
        record_versions
    from normalized

)

select * from final
