-- When each record's label reached the marts: one row per record version (feedback_id and
-- its ingestion) the first time a build finds it in fct_feedback with a label in force
-- (status ok or needs_review), stamped with the moment this model ran in that build
-- (after fct_feedback was written) and the build's invocation id. Time to insight is
-- measured from the record's ingestion into bronze and from its landing file's arrival
-- (the file's modification time), never from created_at: the age of backfilled data is
-- not time to insight. Append-only: a later relabel (a review, a new taxonomy version)
-- keeps the first arrival. On the first build of this table every record already
-- labelled counts as arriving then (is_first_build marks those rows). It is history that
-- cannot be rebuilt: --full-refresh leaves it as it is (full_refresh=false); to start
-- it again, drop the table.
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    unique_key='arrival_id',
    incremental_strategy=('merge' if target.type == 'databricks' else 'delete+insert'),
    on_schema_change='fail',
    full_refresh=false,
) }}

with

feedback as (

    select * from {{ ref('fct_feedback') }}

),

cleaned as (

    select * from {{ ref('int_feedback__cleaned') }}

),

file_loads as (

    select * from {{ ref('int_landing__file_loads') }}

),

labelled as (

    select
        feedback.feedback_id,
        feedback.source,
        cleaned.source_file,
        cleaned.ingested_at,
        feedback.enriched_at,
        feedback.needs_review
    from feedback
    inner join cleaned
        on feedback.feedback_id = cleaned.feedback_id
    where
        feedback.enrichment_key is not null
        and feedback.status in ('ok', 'needs_review')

),

new_arrivals as (

    select labelled.*
    from labelled
    {%- if feedback_lakehouse.incremental_run() %}
    where not exists (
        select 1
        from {{ this }} as built
        where
            built.feedback_id = labelled.feedback_id
            and built.ingested_at = labelled.ingested_at
    )
    {%- endif %}

),

stamped as (

    select
        new_arrivals.*,
        file_loads.file_modified_at,
        {{ feedback_lakehouse.utc_now() }} as labelled_in_mart_at
    from new_arrivals
    left join file_loads
        on
            new_arrivals.source_file = file_loads.source_file
            and new_arrivals.ingested_at = file_loads.ingested_at

),

final as (

    select
        cast({{ dbt.hash(dbt.concat([
            "feedback_id", "'|'", dbt.safe_cast("ingested_at", dbt.type_string())
        ])) }} as string) as arrival_id,
        cast(feedback_id as string) as feedback_id,
        cast(source as string) as source,
        cast(source_file as string) as source_file,
        cast(file_modified_at as timestamp) as file_modified_at,
        cast(ingested_at as timestamp) as ingested_at,
        cast(enriched_at as timestamp) as enriched_at,
        cast(labelled_in_mart_at as timestamp) as labelled_in_mart_at,
        cast('{{ invocation_id }}' as string) as run_id,
        cast({{ 'false' if feedback_lakehouse.incremental_run() else 'true' }} as boolean)
            as is_first_build,
        cast(needs_review as boolean) as needs_review,
        cast(
            {{ feedback_lakehouse.timestamp_diff('ingested_at', 'labelled_in_mart_at', 'second') }}
            / 60.0 as double
        ) as minutes_from_ingestion,
        cast(
            {{ feedback_lakehouse.timestamp_diff(
                'file_modified_at', 'labelled_in_mart_at', 'second'
            ) }} / 60.0 as double
        ) as minutes_from_file_arrival
    from stamped

)

select * from final
