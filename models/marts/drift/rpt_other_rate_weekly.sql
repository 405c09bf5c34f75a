-- The share of records per week that the taxonomy could not place (`other` or `unknown`),
-- per taxonomy version with labels. Empty texts and spam are left out: they are not a
-- gap in the taxonomy. A rising rate is the cue to run topic discovery.
with

labels as (

    select * from {{ ref('int_feedback__labels_by_version') }}
    where not is_empty and not is_spam

),

weekly as (

    select
        taxonomy_version,
        week_start_date,
        weeks_before_as_of,
        count(*) as items,
        cast(sum(case when main_category = 'other' then 1 else 0 end) as bigint)
            as other_items,
        cast(sum(case when main_category = 'unknown' then 1 else 0 end) as bigint)
            as unknown_items
    from labels
    group by taxonomy_version, week_start_date, weeks_before_as_of

),

final as (

    select
        {{ dbt.concat([
            'weekly.taxonomy_version',
            "':'",
            'cast(weekly.week_start_date as ' ~ dbt.type_string() ~ ')'
        ]) }} as other_rate_key,
        weekly.taxonomy_version,
        weekly.week_start_date,
        weekly.weeks_before_as_of,
        weekly.items,
        weekly.other_items,
        weekly.unknown_items,
        cast(weekly.other_items + weekly.unknown_items as double) / weekly.items
            as other_rate,
        weekly.taxonomy_version = {{ taxonomy_version_in_force() }} as is_version_in_force,
        weekly.weeks_before_as_of = 0 as is_latest_week
    from weekly

)

select * from final
