-- One row per feedback record with its current labels (taxonomy version and provider in
-- force), its status and reason, and its owner team. Every canonical record is here.
-- Built in steps, one decision each: int_feedback__labels_resolved (labels in force),
-- int_feedback__status (status from named rules), int_feedback__reviewed (human review
-- applied), int_feedback__routed (owner team and criticality). Nothing stored here moves
-- with the reporting date: the reporting week and the priority score are computed at
-- read time in fct_feedback_reporting, the duplicate group's size in srv_feedback.
--
-- Incremental: a daily run rewrites only the records whose row can have changed since
-- the last build (by feedback_id): new or re-delivered records, texts with new answers
-- or attempts, records of customers with a new CRM row, and records whose review
-- decision changed. When anything else a row depends on changes (the taxonomy version
-- in force, its categories, the provider in force, the review vars or the model's
-- columns), record_config_hash changes and every row is rebuilt: an upgrade that adds a
-- column appends it (on_schema_change) and fills it on every row, with no
-- --full-refresh. The review threshold measured on calibration gold
-- (int_eval__confidence_thresholds) moves a little with each run that brings new gold
-- (0.2717 -> 0.2719 on a 1M-record daily run): then only the records whose status it
-- changes are rebuilt (threshold_flips), not all of them (18 s of that daily run's 46 s).
-- tests/python/test_daily_run.py checks that the result equals a full rebuild.
-- depends_on: {{ ref('int_feedback__cleaned') }}
-- depends_on: {{ ref('stg_crm__customers') }}
-- depends_on: {{ ref('int_review_decisions__latest') }}
-- depends_on: {{ ref('int_eval__confidence_thresholds') }}
-- depends_on: {{ feedback_lakehouse.enrichment_relation() }}
{#- a plain table on the local Spark smoke test: its parquet tables have no MERGE #}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    unique_key='feedback_id',
    incremental_strategy=('merge' if target.type == 'databricks' else 'delete+insert'),
    on_schema_change='append_new_columns',
) }}

{#- the records this run rewrites (incremental runs only; see above) #}
{%- set to_build_sql %}
with

built as (

    select * from {{ this }}

),

cleaned as (

    select * from {{ ref('int_feedback__cleaned') }}

),

enrichments as (

    select * from {{ feedback_lakehouse.enrichment_relation() }}

),

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

reviews as (

    select * from {{ ref('int_review_decisions__latest') }}

),

thresholds as (

    select * from {{ ref('int_eval__confidence_thresholds') }}

),

watermarks as (

    select
        max(ingested_at) as ingested_at,
        max(enriched_at) as enriched_at,
        max(record_config_hash) as record_config_hash
    from built

),

changed_texts as (

    select distinct enrichments.text_hash
    from enrichments
    cross join watermarks
    where
        watermarks.enriched_at is null
        or enrichments.enriched_at > watermarks.enriched_at

),

changed_customers as (

    select
        customers.customer_id,
        customers.email
    from customers
    cross join watermarks
    where customers.ingested_at > watermarks.ingested_at

),

changed as (

    -- new records, and records with another version or copy
    select cleaned.feedback_id
    from cleaned
    cross join watermarks
    where cleaned.ingested_at > watermarks.ingested_at

    union

    -- records whose text has a new answer or attempt
    select cleaned.feedback_id
    from cleaned
    where cleaned.text_hash in (select changed_texts.text_hash from changed_texts)

    union

    -- records of customers with a new CRM row (by id, or by e-mail without an id)
    select cleaned.feedback_id
    from cleaned
    where
        cleaned.customer_id in (select changed_customers.customer_id from changed_customers)
        or (
            cleaned.customer_id is null
            and cleaned.requester_email in (select changed_customers.email from changed_customers)
        )

    union

    -- review decisions that differ from the stored ones
    select reviews.feedback_id
    from reviews
    left join built
        on reviews.feedback_id = built.feedback_id
    where
        built.reviewed_at is distinct from reviews.decided_at
        or built.review_verdict is distinct from reviews.verdict

    union

    -- a stored review whose decision is gone
    select built.feedback_id
    from built
    where
        built.is_reviewed
        and built.feedback_id not in (select reviews.feedback_id from reviews)

),

-- records whose status the review threshold now in force decides otherwise: the rule
-- `confidence < threshold` (macro answer_review_reason) fired for a stored row whose
-- reason is low_confidence, or unknown_category on a model category other than unknown
-- (no taxonomy words); it did not for one whose reason is a later rule. Other reasons do
-- not depend on the threshold.
threshold_flips as (

    select built.feedback_id
    from built
    left join thresholds
        on thresholds.eval_key = {{ feedback_lakehouse.eval_key('built') }}
    where
        (
            built.status_reason_code in (
                'low_confidence', 'model_flagged', 'label_coerced', 'provider_flagged',
                'labelled'
            )
            or (
                built.status_reason_code = 'unknown_category'
                and built.model_main_category != 'unknown'
            )
        )
        and coalesce(
            built.confidence < coalesce(
                thresholds.threshold_in_force, {{ var('review_confidence_threshold') }}
            ),
            false
        ) != (
            built.status_reason_code in ('low_confidence', 'unknown_category')
        )

),

current_config as (

    select {{ feedback_lakehouse.record_config_hash() }} as record_config_hash

),

to_build as (

    select changed.feedback_id from changed

    union

    select threshold_flips.feedback_id from threshold_flips

    union

    -- every record when the configuration changed
    select cleaned.feedback_id
    from cleaned
    where
        (select watermarks.record_config_hash from watermarks)
        is distinct from (select current_config.record_config_hash from current_config)

)

select to_build.feedback_id from to_build
{%- endset %}

with

routed as (

    select * from {{ ref('int_feedback__routed') }}

),

current_config as (

    select {{ feedback_lakehouse.record_config_hash() }} as record_config_hash

),

selected as (

    select
        routed.*,
        current_config.record_config_hash
    from routed
    cross join current_config
    {%- if feedback_lakehouse.incremental_run() %}
    where {{ feedback_lakehouse.in_list('routed.feedback_id', to_build_sql) }}
    {%- endif %}

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
        customer_tier,
        cast(rating_normalized as double) as rating_normalized,
        original_text,
        clean_text,
        masked_text,
        text_hash,
        language,
        is_empty,
        is_spam,
        main_category,
        parent_category_id,
        secondary_categories,
        category_sentiments,
        sentiment,
        sentiment_intensity,
        urgency,
        suggested_owner,
        category_criticality,
        root_cause_guess,
        short_summary,
        confidence,
        needs_review,
        status,
        status_reason_code,
        status_reason,
        latest_attempt_status,
        latest_attempt_error,
        labels_taxonomy_version as taxonomy_version,
        prompt_version,
        provider,
        model,
        enrichment_key,
        created_at,
        cast(created_at as date) as created_date,
        ingested_at,
        enriched_at,
        model_main_category,
        model_sentiment,
        model_urgency,
        is_reviewed,
        review_verdict,
        reviewed_by,
        reviewed_at,
        record_config_hash
    from selected

)

select * from final
