-- Weekly record counts per category of the taxonomy version in force, with history
-- labelled in an older version restated through the mapping seed (a split spreads a
-- record over its targets by weight), so a weekly chart stays comparable when the
-- taxonomy changes. Three series per week and category:
--   native              labels produced in the version in force
--   restated_from_<v>   labels of an older version, mapped into the version in force
--   blended             per record the native label where there is one, else restated
-- Empty texts and spam are left out.
with

labels as (

    select * from {{ ref('int_feedback__labels_by_version') }}
    where not is_empty and not is_spam

),

mapping as (

    select * from {{ ref('taxonomy_mapping') }}

),

target as (

    select {{ taxonomy_version_in_force() }} as taxonomy_version

),

native as (

    select
        labels.feedback_id,
        labels.week_start_date,
        labels.main_category as category_id,
        labels.taxonomy_version as source_version,
        cast(1.0 as double) as weight,
        labels.is_enriched
    from labels
    inner join target
        on labels.taxonomy_version = target.taxonomy_version

),

older_versions as (

    select distinct mapping.from_version as taxonomy_version
    from mapping
    inner join target
        on mapping.to_version = target.taxonomy_version

),

restated as (

    select
        labels.feedback_id,
        labels.week_start_date,
        coalesce(mapping.to_category_id, 'unknown') as category_id,
        labels.taxonomy_version as source_version,
        cast(coalesce(mapping.weight, 1.0) as double) as weight,
        labels.is_enriched
    from labels
    inner join older_versions
        on labels.taxonomy_version = older_versions.taxonomy_version
    cross join target
    left join mapping
        on
            labels.taxonomy_version = mapping.from_version
            and target.taxonomy_version = mapping.to_version
            and labels.main_category = mapping.from_category_id
    where labels.taxonomy_version != target.taxonomy_version

),

native_records as (

    select distinct feedback_id from native
    where is_enriched

),

latest_restated_version as (

    select
        feedback_id,
        max(source_version) as source_version
    from restated
    where is_enriched
    group by feedback_id

),

blended as (

    select
        feedback_id,
        week_start_date,
        category_id,
        weight,
        'native' as label_origin
    from native
    where feedback_id in (select native_records.feedback_id from native_records)

    union all

    select
        restated.feedback_id,
        restated.week_start_date,
        restated.category_id,
        restated.weight,
        'restated' as label_origin
    from restated
    inner join latest_restated_version
        on
            restated.feedback_id = latest_restated_version.feedback_id
            and restated.source_version = latest_restated_version.source_version
    where restated.feedback_id not in (select native_records.feedback_id from native_records)

),

series as (

    select
        'native' as series,
        week_start_date,
        category_id,
        weight,
        'native' as label_origin
    from native

    union all

    select
        {{ dbt.concat(["'restated_from_'", 'source_version']) }} as series,
        week_start_date,
        category_id,
        weight,
        'restated' as label_origin
    from restated

    union all

    select
        'blended' as series,
        week_start_date,
        category_id,
        weight,
        label_origin
    from blended

),

final as (

    select
        {{ dbt.concat([
            'series.series', "':'",
            'cast(series.week_start_date as ' ~ dbt.type_string() ~ ')', "':'",
            'series.category_id'
        ]) }} as trend_key,
        target.taxonomy_version,
        series.series,
        series.week_start_date,
        series.category_id,
        sum(series.weight) as items,
        sum(case when series.label_origin = 'native' then series.weight else 0 end)
            as items_native,
        sum(case when series.label_origin = 'restated' then series.weight else 0 end)
            as items_restated
    from series
    cross join target
    group by
        target.taxonomy_version,
        series.series,
        series.week_start_date,
        series.category_id

)

select * from final
