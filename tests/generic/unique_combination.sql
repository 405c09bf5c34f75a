{#- Fails for every combination of `columns` that occurs more than once. -#}
{% test unique_combination(model, columns) %}

with

grouped as (

    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}

)

select * from grouped
where occurrences > 1

{% endtest %}
