-- Landing rows that could not be read as valid records, with the reason: nothing is lost.
-- Only each file's latest load counts: a corrected file dropped again under the same
-- name replaces its rejects here (bronze keeps every load's rows).
{%- set bronze_models = [
    ('shop_reviews', 'shop__reviews'),
    ('helpdesk_tickets', 'helpdesk__tickets'),
    ('appstore_reviews', 'appstore__reviews'),
    ('nps_survey', 'survey__nps_responses'),
    ('crm_customers', 'crm__customers'),
    ('review_decisions', 'reviews__decisions'),
    ('gold_labels', 'gold__labels'),
    ('jira_issues', 'jira__issues'),
    ('custom', 'custom__feedback'),
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
            _ingested_at as ingested_at,
            _is_rejected as is_rejected,
            max(_ingested_at) over (
                partition by _source_file
            ) as file_last_loaded_at
        from {{ feedback_lakehouse.bronze_relation(model_name) }}

    ),
{% endfor %}

final as (

    {% for source_name, model_name in bronze_models %}
        select
            source,
            source_file,
            source_row_number,
            reject_reason,
            raw_record,
            ingested_at
        from {{ source_name }}
        where is_rejected and ingested_at = file_last_loaded_at
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
