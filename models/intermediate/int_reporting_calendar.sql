-- The reporting date. "This week" is the 7 days ending on it: the dbt var `as_of_date`
-- when set, else the latest day with feedback, so a historical load still reads sensibly.
{%- if var('as_of_date') %}
    {%- set as_of_expression = "max(cast('" ~ var('as_of_date') ~ "' as date))" %}
{%- else %}
    {%- set as_of_expression = "cast(max(created_at) as date)" %}
{%- endif %}

with

feedback as (

    select * from {{ ref('int_feedback__cleaned') }}

),

final as (

    select {{ as_of_expression }} as as_of_date
    from feedback

)

select * from final
