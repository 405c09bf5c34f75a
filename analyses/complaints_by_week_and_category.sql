-- Ad-hoc: complaints per reporting week and category, for a quick pivot in a notebook.
-- Compile with `dbt compile --select complaints_by_week_and_category`.
with

feedback as (

    select * from {{ ref('fct_feedback') }}

),

final as (

    select
        week_start_date,
        main_category,
        count(*) as complaints
    from feedback
    where sentiment in ('negative', 'mixed')
    group by week_start_date, main_category

)

select * from final
order by week_start_date asc, complaints desc
