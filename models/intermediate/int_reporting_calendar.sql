-- The reporting date. "This week" is the 7 days ending on it: the dbt var `as_of_date`
-- when set, else the latest day with feedback, so a historical load still reads sensibly.
with

feedback as (

    select * from {{ ref('int_feedback__cleaned') }}

),

final as (

    select
        {% if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date) as as_of_date
        {%- else -%}
        cast(max(created_at) as date) as as_of_date
        {%- endif %}
    from feedback

)

select * from final
