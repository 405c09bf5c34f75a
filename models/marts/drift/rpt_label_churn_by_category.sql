-- Per category of the older version: how many of its records kept their label in the
-- newer version, how many moved, and how many went somewhere the mapping seed does not
-- expect (a sign the mapping or the new keywords need a look).
with

churn as (

    select * from {{ ref('rpt_label_churn') }}

),

final as (

    select
        from_version,
        to_version,
        from_category_id,
        cast(sum(items) as bigint) as items,
        cast(sum(case when is_label_changed then items else 0 end) as bigint)
            as items_moved,
        cast(sum(case when is_expected_by_mapping then 0 else items end) as bigint)
            as items_unexpected,
        cast(sum(case when is_label_changed then items else 0 end) as double)
        / sum(items) as share_moved,
        cast(sum(case when is_expected_by_mapping then 0 else items end) as double)
        / sum(items) as share_unexpected
    from churn
    group by from_version, to_version, from_category_id

)

select * from final
