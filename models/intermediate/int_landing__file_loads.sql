-- One row per load of a feedback source's landing file (a file and the run that loaded it;
-- a file changed and dropped again under the same name is a second load): when it
-- arrived (its modification time, kept by bronze), its rows and quarantined rows. Time to
-- insight counts from here (fct_label_arrivals).
{%- set sources = [
    ('shop_reviews', 'shop__reviews'),
    ('helpdesk_tickets', 'helpdesk__tickets'),
    ('appstore_reviews', 'appstore__reviews'),
    ('nps_survey', 'survey__nps_responses'),
    ('custom', 'custom__feedback'),
] %}

with

{% for name, relation in sources %}
    {{ name }} as (

        select * from {{ feedback_lakehouse.bronze_relation(relation) }}

    ),
{% endfor %}

unioned as (

    {% for name, relation in sources %}
        select
            '{{ name }}' as source_system,
            _source_file as source_file,
            _file_modified_at as file_modified_at,
            _ingested_at as ingested_at,
            _is_rejected as is_rejected
        from {{ name }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "source_file", "'|'", dbt.safe_cast("ingested_at", dbt.type_string())
        ])) }} as file_load_id,
        source_file,
        ingested_at,
        min(source_system) as source_system,
        min(file_modified_at) as file_modified_at,
        count(*) as landing_rows,
        sum(case when is_rejected then 1 else 0 end) as quarantined_rows
    from unioned
    group by source_file, ingested_at

)

select * from final
