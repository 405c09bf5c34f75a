-- Gold category values that map to no category of the taxonomy version in force: one
-- row per label scheme and value, with how many labels carry it and how many gold
-- category labels there are in all, so a mapping gap is never silent. The test
-- assert_every_gold_label_maps_to_a_category warns with these messages; `feedback eval`
-- prints them.
with

gold as (

    select * from {{ ref('int_gold_labels') }}
    where gold_category is not null

),

totals as (

    select count(*) as gold_category_labels
    from gold

),

unmapped as (

    select
        label_scheme,
        gold_category as gold_label,
        taxonomy_version,
        count(*) as labels,
        sum(case when split = 'test' then 1 else 0 end) as test_labels
    from gold
    where category_id is null
    group by label_scheme, gold_category, taxonomy_version

),

final as (

    select
        cast({{ dbt.concat(["unmapped.label_scheme", "':'", "unmapped.gold_label"]) }} as string)
            as unmapped_key,
        cast(unmapped.label_scheme as string) as label_scheme,
        cast(unmapped.gold_label as string) as gold_label,
        cast(unmapped.taxonomy_version as string) as taxonomy_version,
        cast(unmapped.labels as bigint) as labels,
        cast(unmapped.test_labels as bigint) as test_labels,
        cast(totals.gold_category_labels as bigint) as gold_category_labels,
        cast({{ dbt.concat([
            "cast(unmapped.labels as string)", "' of '",
            "cast(totals.gold_category_labels as string)",
            "' gold labels \"'", "unmapped.gold_label", "'\" (scheme '",
            "unmapped.label_scheme", "') map to no category of taxonomy '",
            "unmapped.taxonomy_version",
            "': add the value to gold_label_mapping (case and spacing do not matter)'",
        ]) }} as string) as message
    from unmapped
    cross join totals

)

select * from final
