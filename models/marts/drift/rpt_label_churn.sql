-- Label churn between two taxonomy versions: a cross-tab of each record's main category
-- in the older version against the newer one, for every version pair in the mapping seed
-- whose both versions have labels. Every record is in exactly one cell per pair.
with

labels as (

    select * from {{ ref('int_feedback__labels_by_version') }}

),

mapping as (

    select * from {{ ref('taxonomy_mapping') }}

),

version_pairs as (

    select distinct
        from_version,
        to_version
    from mapping

),

paired as (

    select
        version_pairs.from_version,
        version_pairs.to_version,
        old_labels.main_category as from_category_id,
        new_labels.main_category as to_category_id
    from version_pairs
    inner join labels as old_labels
        on version_pairs.from_version = old_labels.taxonomy_version
    inner join labels as new_labels
        on
            version_pairs.to_version = new_labels.taxonomy_version
            and old_labels.feedback_id = new_labels.feedback_id

),

cells as (

    select
        from_version,
        to_version,
        from_category_id,
        to_category_id,
        count(*) as items
    from paired
    group by from_version, to_version, from_category_id, to_category_id

),

totals as (

    select
        from_version,
        to_version,
        from_category_id,
        to_category_id,
        items,
        cast(sum(items) over (
            partition by from_version, to_version, from_category_id
        ) as bigint) as items_in_from_category,
        cast(sum(items) over (partition by from_version, to_version) as bigint)
            as items_total
    from cells

),

final as (

    select
        {{ dbt.concat([
            'totals.from_version', "'>'", 'totals.to_version', "':'",
            'totals.from_category_id', "'>'", 'totals.to_category_id'
        ]) }} as churn_key,
        totals.from_version,
        totals.to_version,
        totals.from_category_id,
        totals.to_category_id,
        totals.items,
        totals.items_in_from_category,
        totals.items_total,
        cast(totals.items as double) / totals.items_in_from_category
            as share_of_from_category,
        cast(totals.items as double) / totals.items_total as share_of_total,
        totals.from_category_id != totals.to_category_id as is_label_changed,
        (
            mapping.to_category_id is not null
            or (
                totals.from_category_id = 'unknown'
                and totals.to_category_id = 'unknown'
            )
        ) as is_expected_by_mapping
    from totals
    left join mapping
        on
            totals.from_version = mapping.from_version
            and totals.to_version = mapping.to_version
            and totals.from_category_id = mapping.from_category_id
            and totals.to_category_id = mapping.to_category_id

)

select * from final
