-- One canonical row per feedback record, whatever source it came from.
-- Ratings are put on one 1-5 scale: NPS 0-10 maps linearly onto it (0 -> 1, 10 -> 5);
-- a custom source's rating scale comes from its mapping.
with

shop_reviews as (

    select * from {{ ref('stg_shop__reviews') }}

),

helpdesk_tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

appstore_reviews as (

    select * from {{ ref('stg_appstore__reviews') }}

),

nps_responses as (

    select * from {{ ref('stg_survey__nps_responses') }}

),

custom_feedback as (

    select * from {{ ref('stg_custom__feedback') }}

),

unioned as (

    select
        {{ dbt.concat(["'shop:'", "review_id"]) }} as feedback_id,
        'shop_reviews' as source,
        review_id as source_record_id,
        'product_review' as channel,
        product_sku,
        cast(null as {{ dbt.type_string() }}) as app_version,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as requester_email,
        cast(rating as {{ dbt.type_float() }}) as rating_normalized,
        title,
        body,
        created_at,
        ingested_at,
        source_file,
        record_versions,
        ingested_at as last_ingested_at
    from shop_reviews

    union all

    select
        {{ dbt.concat(["'helpdesk:'", "ticket_id"]) }} as feedback_id,
        'helpdesk_tickets' as source,
        ticket_id as source_record_id,
        coalesce(channel, 'unknown') as channel,
        product_sku,
        cast(null as {{ dbt.type_string() }}) as app_version,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        requester_email,
        cast(null as {{ dbt.type_float() }}) as rating_normalized,
        subject as title,
        description as body,
        created_at,
        ingested_at,
        source_file,
        record_versions,
        last_ingested_at
    from helpdesk_tickets

    union all

    select
        {{ dbt.concat(["'appstore:'", "review_id"]) }} as feedback_id,
        'appstore_reviews' as source,
        review_id as source_record_id,
        {{ dbt.concat(["'app_store_'", "platform"]) }} as channel,
        cast(null as {{ dbt.type_string() }}) as product_sku,
        app_version,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as requester_email,
        cast(rating as {{ dbt.type_float() }}) as rating_normalized,
        cast(null as {{ dbt.type_string() }}) as title,
        review_text as body,
        reviewed_at as created_at,
        ingested_at,
        source_file,
        record_versions,
        ingested_at as last_ingested_at
    from appstore_reviews

    union all

    select
        {{ dbt.concat(["'survey:'", "response_id"]) }} as feedback_id,
        'nps_survey' as source,
        response_id as source_record_id,
        'survey' as channel,
        cast(null as {{ dbt.type_string() }}) as product_sku,
        cast(null as {{ dbt.type_string() }}) as app_version,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as requester_email,
        1 + nps_score * 0.4 as rating_normalized,
        cast(null as {{ dbt.type_string() }}) as title,
        comment as body,
        submitted_at as created_at,
        ingested_at,
        source_file,
        record_versions,
        ingested_at as last_ingested_at
    from nps_responses

    union all

    -- bring your own data (empty unless the dbt var custom_source names a mapping); a
    -- file without timestamps gets its load time, never an invented customer time
    select
        {{ dbt.concat(["source_name", "':'", "record_id"]) }} as feedback_id,
        source_name as source,
        record_id as source_record_id,
        channel,
        product_sku,
        cast(null as {{ dbt.type_string() }}) as app_version,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as requester_email,
        cast(rating_normalized as {{ dbt.type_float() }}) as rating_normalized,
        title,
        body,
        coalesce(created_at, ingested_at) as created_at,
        ingested_at,
        source_file,
        record_versions,
        ingested_at as last_ingested_at
    from custom_feedback

)

select * from unioned
