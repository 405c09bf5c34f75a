-- Time to insight per build (run_id) and, within it, per landing file: the records whose
-- label reached the marts in that build, and the median and 90th percentile minutes from
-- their ingestion into bronze and from their landing file's arrival to that moment
-- (fct_label_arrivals). A record deferred in one build (budget, provider down) and
-- labelled in a later one counts in the later build, with its whole wait.
{%- set scopes = [('run', "cast(null as " ~ dbt.type_string() ~ ")"), ('file', 'source_file')] %}

with

arrivals as (

    select * from {{ ref('fct_label_arrivals') }}

),

{% for scope, file_expression in scopes %}
    by_{{ scope }} as (

        select
            '{{ scope }}' as scope,
            run_id,
            {{ file_expression }} as source_file,
            min(source) as source,
            max(labelled_in_mart_at) as labelled_in_mart_at,
            min(file_modified_at) as first_file_modified_at,
            min(ingested_at) as first_ingested_at,
            max(case when is_first_build then 1 else 0 end) as is_first_build,
            count(*) as labelled_records,
            sum(case when needs_review then 1 else 0 end) as needs_review_records,
            sum(case when file_modified_at is null then 1 else 0 end)
                as records_without_file_arrival,
            {{ feedback_lakehouse.time_to_insight_minutes() }}
        from arrivals
        group by run_id{% if scope == 'file' %}, source_file{% endif %}

    ),
{% endfor %}

unioned as (

    select * from by_run
    union all
    select * from by_file

),

final as (

    select
        cast({{ dbt.concat([
            "run_id", "':'", "scope", "':'", "coalesce(source_file, 'all')"
        ]) }} as string) as time_to_insight_key,
        cast(run_id as string) as run_id,
        cast(scope as string) as scope,
        cast(source_file as string) as source_file,
        cast(case when scope = 'file' then source end as string) as source,
        cast(labelled_in_mart_at as timestamp) as labelled_in_mart_at,
        cast(first_file_modified_at as timestamp) as first_file_modified_at,
        cast(first_ingested_at as timestamp) as first_ingested_at,
        cast(is_first_build = 1 as boolean) as is_first_build,
        cast(labelled_records as bigint) as labelled_records,
        cast(needs_review_records as bigint) as needs_review_records,
        cast(records_without_file_arrival as bigint) as records_without_file_arrival,
        cast(median_minutes_from_ingestion as double) as median_minutes_from_ingestion,
        cast(p90_minutes_from_ingestion as double) as p90_minutes_from_ingestion,
        cast(median_minutes_from_file_arrival as double) as median_minutes_from_file_arrival,
        cast(p90_minutes_from_file_arrival as double) as p90_minutes_from_file_arrival
    from unioned

)

select * from final
