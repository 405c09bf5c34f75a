-- One row per feedback record and taxonomy version that has labels: the record's main
-- category in that version, so versions can be compared item by item. A version's label
-- is picked as in fct_feedback: the newest successful enrichment (the provider in force's
-- first, then another provider's), so a failed run never masks a good label nor hides a
-- version. Failed and deferred rows are not labels. Empty texts, spam and texts not
-- enriched in a version are `unknown` there, as in fct_feedback.
with

feedback as (

    select * from {{ ref('int_feedback__canonical') }}

),

enrichments as (

    select * from {{ feedback_lakehouse.enrichment_relation() }}
    where status in ('ok', 'needs_review')

),

calendar as (

    select * from {{ ref('int_reporting_calendar') }}

),

versions as (

    select distinct taxonomy_version from enrichments

),

ranked_labels as (

    select
        text_hash,
        taxonomy_version,
        main_category,
        prompt_version,
        row_number() over (
            partition by text_hash, taxonomy_version
            order by {{ feedback_lakehouse.label_candidate_order() }}
        ) as label_rank
    from enrichments

),

labels as (

    select * from ranked_labels
    where label_rank = 1

),

dated as (

    select
        feedback.feedback_id,
        feedback.text_hash,
        feedback.is_empty,
        feedback.is_spam,
        feedback.language,
        greatest(
            {{ feedback_lakehouse.timestamp_diff(
                'cast(feedback.created_at as date)', 'calendar.as_of_date', 'day'
            ) }},
            0
        ) as days_before_as_of,
        calendar.as_of_date
    from feedback
    cross join calendar

),

final as (

    select
        dated.feedback_id,
        versions.taxonomy_version,
        case
            when dated.is_empty or dated.is_spam then 'unknown'
            else coalesce(labels.main_category, 'unknown')
        end as main_category,
        labels.prompt_version,
        labels.text_hash is not null and not dated.is_empty and not dated.is_spam
            as is_enriched,
        dated.is_empty,
        dated.is_spam,
        dated.language,
        cast(floor(dated.days_before_as_of / 7) as integer) as weeks_before_as_of,
        cast(
            {{ feedback_lakehouse.add_interval(
                'day',
                '-6 - 7 * cast(floor(dated.days_before_as_of / 7) as integer)',
                'dated.as_of_date'
            ) }} as date
        ) as week_start_date
    from dated
    cross join versions
    left join labels
        on
            dated.text_hash = labels.text_hash
            and versions.taxonomy_version = labels.taxonomy_version

)

select * from final
