-- Pipeline KPIs, for all feedback and per source: time to insight (label available minus
-- created, and minus ingested), enrichment coverage, share needing review, the
-- other/unknown rate and enrichment cost. A label is available when both the record and
-- its enrichment exist: an earlier enrichment of the same text counts from ingestion.
{%- set scopes = [('all', "'all'"), ('source', 'source')] %}

with

feedback as (

    select * from {{ ref('fct_feedback') }}

),

enrichments as (

    select * from {{ ref('fct_enrichments') }}

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
        case
            when feedback.enrichment_key is not null and feedback.status in ('ok', 'needs_review')
                then
                    {{ feedback_lakehouse.timestamp_diff(
                        'feedback.created_at',
                        'greatest(feedback.enriched_at, feedback.ingested_at)',
                        'second'
                    ) }} / 3600.0
        end as hours_created_to_label,
        case
            when feedback.enrichment_key is not null and feedback.status in ('ok', 'needs_review')
                then
                    {{ feedback_lakehouse.timestamp_diff(
                        'feedback.ingested_at',
                        'greatest(feedback.enriched_at, feedback.ingested_at)',
                        'second'
                    ) }} / 3600.0
        end as hours_ingested_to_label,
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
            {{ feedback_lakehouse.percentile_value('hours_created_to_label', 0.5) }}
                as median_hours_created_to_label,
            {{ feedback_lakehouse.percentile_value('hours_created_to_label', 0.9) }}
                as p90_hours_created_to_label,
            {{ feedback_lakehouse.percentile_value('hours_ingested_to_label', 0.5) }}
                as median_hours_ingested_to_label,
            {{ feedback_lakehouse.percentile_value('hours_ingested_to_label', 0.9) }}
                as p90_hours_ingested_to_label,
            sum(allocated_cost_usd) as enrichment_cost_usd
        from records
        {% if scope != 'all' %}group by {{ expression }}{% endif %}

    ),
{% endfor %}

unioned as (

    select * from by_all
    union all
    select * from by_source

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
        cast(round(median_hours_created_to_label, 2) as double) as median_hours_created_to_label,
        cast(round(p90_hours_created_to_label, 2) as double) as p90_hours_created_to_label,
        cast(round(median_hours_ingested_to_label, 2) as double)
            as median_hours_ingested_to_label,
        cast(round(p90_hours_ingested_to_label, 2) as double) as p90_hours_ingested_to_label,
        cast(round(enrichment_cost_usd, 6) as double) as enrichment_cost_usd,
        cast(round(enrichment_cost_usd / nullif(labelled_records, 0), 8) as double)
            as cost_per_labelled_record_usd
    from unioned

)

select * from final
