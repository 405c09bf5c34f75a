-- Landing rows that could not be read as valid records, with the reason: nothing is lost.
{%- set bronze_models = [
    ('shop_reviews', 'bronze_shop__reviews'),
    ('helpdesk_tickets', 'bronze_helpdesk__tickets'),
    ('appstore_reviews', 'bronze_appstore__reviews'),
    ('nps_survey', 'bronze_survey__nps_responses'),
    ('crm_customers', 'bronze_crm__customers'),
    ('review_decisions', 'bronze_reviews__decisions'),
] %}

with

{% for source_name, model_name in bronze_models %}
    {{ source_name }} as (

        select
            '{{ source_name }}' as source,
            _source_file as source_file,
            _row_number as source_row_number,
            _reject_reason as reject_reason,
            _raw_record as raw_record,
            _ingested_at as ingested_at
        from {{ ref(model_name) }}
        where _is_rejected

    ),
{% endfor %}

final as (

    {% for source_name, model_name in bronze_models %}
        select * from {{ source_name }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
