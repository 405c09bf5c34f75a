-- Every category of a mapped version has a way forward, every category of the next
-- version has a way in, and a split's weights add up to 1 per category.
with

categories as (

    select * from {{ ref('taxonomy_categories') }}

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

unmapped_from as (

    select
        'no mapping from this category' as problem,
        categories.taxonomy_version,
        categories.category_id
    from version_pairs
    inner join categories
        on version_pairs.from_version = categories.taxonomy_version
    left join mapping
        on
            version_pairs.from_version = mapping.from_version
            and version_pairs.to_version = mapping.to_version
            and categories.category_id = mapping.from_category_id
    where mapping.from_category_id is null

),

unmapped_to as (

    select
        'no mapping into this category' as problem,
        categories.taxonomy_version,
        categories.category_id
    from version_pairs
    inner join categories
        on version_pairs.to_version = categories.taxonomy_version
    left join mapping
        on
            version_pairs.from_version = mapping.from_version
            and version_pairs.to_version = mapping.to_version
            and categories.category_id = mapping.to_category_id
    where mapping.to_category_id is null

),

weights as (

    select
        'weights do not sum to 1' as problem,
        from_version as taxonomy_version,
        from_category_id as category_id
    from mapping
    group by from_version, to_version, from_category_id
    having abs(sum(weight) - 1) > 0.001

),

final as (

    select * from unmapped_from
    union all
    select * from unmapped_to
    union all
    select * from weights

)

select * from final
