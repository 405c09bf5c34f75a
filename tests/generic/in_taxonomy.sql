{#- Fails for every label that is not a category of its taxonomy version in the seed.
    `unknown` is always allowed: it is what the pipeline stores instead of a guess. -#}
{% test in_taxonomy(model, column_name, version_column='taxonomy_version') %}

with

labels as (

    select
        {{ column_name }} as label,
        {{ version_column }} as taxonomy_version
    from {{ model }}
    where {{ column_name }} is not null
        and {{ column_name }} != 'unknown'

),

categories as (

    select * from {{ ref('taxonomy_categories') }}

)

select labels.*
from labels
left join categories
    on labels.label = categories.category_id
    and labels.taxonomy_version = categories.taxonomy_version
where categories.category_id is null

{% endtest %}
