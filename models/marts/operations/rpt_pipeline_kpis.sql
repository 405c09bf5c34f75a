-- Pipeline KPIs, for all feedback and per source: time to insight (minutes from a
-- record's ingestion, and from its landing file's arrival, to its label being in the
-- marts, over every build in fct_label_arrivals; rpt_time_to_insight has it per build and
-- file, both through the macro time_to_insight_minutes), enrichment coverage, share
-- needing review, the other/unknown rate and enrichment cost. The age of the data
-- (created_at) is not time to insight: a backfill of old records labelled within minutes
-- has a short time to insight.
{%- set scopes = [('all', "'all'"), ('source', 'source')] %}

with

feedback as (

    select * from {{ ref('fct_feedback') }}

),

enrichments as (

    select * from {{ ref('fct_enrichments') }}

),

arrivals as (

    select * from {{ ref('fct_label_arrivals') }}

),

label_users as (

    select
        enrichment_key,
        count(*) as records_sharing
    from feedback
    where enrichment_key is not null
    group by enrichment_key

),

records as (

    select
        feedback.source,
        feedback.status,
        feedback.needs_review,
        feedback.is_reviewed,
        not feedback.is_empty and not feedback.is_spam as is_text,
        feedback.enrichment_key is not null
        and feedback.status in ('ok', 'needs_review') as is_labelled,
        feedback.main_category in ('other', 'unknown') as is_other_or_unknown,
        coalesce(enrichments.cost_usd / label_users.records_sharing, 0) as allocated_cost_usd
    from feedback
    left join enrichments
        on feedback.enrichment_key = enrichments.enrichment_key
    left join label_users
        on feedback.enrichment_key = label_users.enrichment_key

),

{% for scope, expression in scopes %}
    by_{{ scope }} as (

        select
            '{{ scope }}' as kpi_scope,
            {{ expression }} as scope_value,
            count(*) as records,
            sum(case when is_text then 1 else 0 end) as text_records,
            sum(case when is_labelled then 1 else 0 end) as labelled_records,
            sum(case when needs_review then 1 else 0 end) as records_needing_review,
            sum(case when is_reviewed then 1 else 0 end) as reviewed_records,
            sum(case when is_text and is_other_or_unknown then 1 else 0 end)
                as other_or_unknown_records,
            sum(allocated_cost_usd) as enrichment_cost_usd
        from records
        {% if scope != 'all' %}group by {{ expression }}{% endif %}

    ),

    arrivals_by_{{ scope }} as (

        select
            '{{ scope }}' as kpi_scope,
            {{ expression }} as scope_value,
            {{ feedback_lakehouse.time_to_insight_minutes() }}
        from arrivals
        {% if scope != 'all' %}group by {{ expression }}{% endif %}

    ),
{% endfor %}

unioned as (

    select * from by_all
    union all
    select * from by_source

),

arrival_stats as (

    select * from arrivals_by_all
    union all
    select * from arrivals_by_source

),

joined as (

    select
        unioned.*,
        arrival_stats.median_minutes_from_ingestion,
        arrival_stats.p90_minutes_from_ingestion,
        arrival_stats.median_minutes_from_file_arrival,
        arrival_stats.p90_minutes_from_file_arrival
    from unioned
    left join arrival_stats
        on
            unioned.kpi_scope = arrival_stats.kpi_scope
            and unioned.scope_value = arrival_stats.scope_value

),

final as (

    select
        cast({{ dbt.concat(["kpi_scope", "':'", "scope_value"]) }} as string) as kpi_key,
        cast(kpi_scope as string) as kpi_scope,
        cast(scope_value as string) as scope_value,
        cast(records as bigint) as records,
        cast(text_records as bigint) as text_records,
        cast(labelled_records as bigint) as labelled_records,
        cast(round(1.0 * labelled_records / nullif(text_records, 0), 4) as double)
            as enrichment_coverage,
        cast(records_needing_review as bigint) as records_needing_review,
        cast(round(1.0 * records_needing_review / nullif(records, 0), 4) as double)
            as review_share,
        cast(reviewed_records as bigint) as reviewed_records,
        cast(round(1.0 * other_or_unknown_records / nullif(text_records, 0), 4) as double)
            as other_or_unknown_rate,
        cast(median_minutes_from_ingestion as double) as median_minutes_to_insight,
        cast(p90_minutes_from_ingestion as double) as p90_minutes_to_insight,
        cast(median_minutes_from_file_arrival as double)
            as median_minutes_file_arrival_to_insight,
        cast(p90_minutes_from_file_arrival as double) as p90_minutes_file_arrival_to_insight,
        cast(round(enrichment_cost_usd, 6) as double) as enrichment_cost_usd,
        cast(round(enrichment_cost_usd / nullif(labelled_records, 0), 8) as double)
            as cost_per_labelled_record_usd
    from joined

)

select * from final
