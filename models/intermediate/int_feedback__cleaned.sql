-- Text cleaning that keeps meaning, PII masking, and the hash that groups duplicates.
-- `original_text` is kept verbatim beside the cleaned and masked forms.
--
-- Incremental: the regular expressions are the costly part and a record's result only
-- changes when the record does, so a run cleans only the records that are new or whose
-- unioned row changed since the last build (a helpdesk ticket's newer version, another
-- copy of a record: its source file, ingestion time or version count differ) and
-- replaces them by feedback_id. After changing the cleaning, masking or spam rules,
-- rebuild every record: `dbt run --full-refresh --select int_feedback__cleaned
-- int_texts__to_enrich`, then `dbt build` (not `int_feedback__cleaned+`: that would
-- rebuild the enrichment table from nothing too).
{#- a plain table on the local Spark smoke test: its parquet tables have no MERGE #}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    unique_key='feedback_id',
    incremental_strategy=('merge' if target.type == 'databricks' else 'delete+insert'),
    on_schema_change='fail',
) }}

with

unioned as (

    select * from {{ ref('int_feedback__unioned') }}

),

to_clean as (

    select * from unioned
    {%- if feedback_lakehouse.incremental_run() %}
    -- only what arrived since the last build (any copy or version of the record); of
    -- those, only the rows that differ from the built ones
    where
        unioned.last_ingested_at > coalesce(
            (select max(built.ingested_at) from {{ this }} as built),
            cast('1900-01-01' as timestamp)
        )
        and not exists (
            select 1
            from {{ this }} as built
            where
                built.feedback_id = unioned.feedback_id
                and built.source_file = unioned.source_file
                and built.ingested_at = unioned.ingested_at
                and built.record_versions = unioned.record_versions
        )
    {%- endif %}

),

combined as (

    select
        *,
        case
            when nullif(trim(coalesce(title, '')), '') is null then coalesce(body, '')
            when nullif(trim(coalesce(body, '')), '') is null then title
            else {{ dbt.concat(["title", "'. '", "body"]) }}
        end as original_text
    from to_clean

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

-- the spam rule: each signal a boolean, scored by the weights in dbt vars (see README,
-- "Spam rule"); with spam_rule_enabled false nothing is flagged
spam_checked as (

    select
        {% for signal in feedback_lakehouse.spam_signals() %}
            {{ feedback_lakehouse.regex_matches(
                'masked_text' if signal.cased else 'lower(masked_text)', signal.pattern
            ) }} as spam_{{ signal.name }},
        {% endfor %}
        *
    from normalized

),

spam_scored as (

    select
        *,
        {{ feedback_lakehouse.spam_score() }} as spam_score,
        {{ feedback_lakehouse.spam_reason() }} as spam_signals
    from spam_checked

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
        spam_score,
        spam_signals,
        {% if var('spam_rule_enabled') -%}
            spam_score >= {{ var('spam_threshold') }}
        {%- else -%}
            false
        {%- endif %} as is_spam,
        created_at,
        ingested_at,
        source_file,
        record_versions
    from spam_scored

)

select * from final
