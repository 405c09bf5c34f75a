-- Reviewed records with their category's owner team, parent and criticality (the
-- taxonomy version in force). Nothing here moves with the reporting date: the reporting
-- week and the priority score (which decays with age) are computed at read time, in
-- fct_feedback_reporting, so that fct_feedback can keep its rows from run to run.
with

reviewed as (

    select * from {{ ref('int_feedback__reviewed') }}

),

categories as (

    select * from {{ ref('taxonomy_categories') }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

final as (

    select
        reviewed.*,
        categories.owner_team as suggested_owner,
        categories.parent_category_id,
        coalesce(categories.criticality, 2) as category_criticality
    from reviewed
    left join categories
        on reviewed.main_category = categories.category_id

)

select * from final
