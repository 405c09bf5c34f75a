{#- Fails (one row) unless the model has exactly `expected` rows matching `where_clause`. -#}
{% test row_count_is(model, expected, where_clause=none, column_name=none) %}

with

counted as (

    select count(*) as actual_rows
    from {{ model }}
    {%- if where_clause %}
    where {{ where_clause }}
    {%- endif %}

)

select
    actual_rows,
    {{ expected }} as expected_rows
from counted
where actual_rows != {{ expected }}

{% endtest %}
