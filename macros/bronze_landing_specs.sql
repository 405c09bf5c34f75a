{#- The landing sources as COPY INTO sees them: folder, file pattern and format, and per
    bronze column its native name, whether it is required and the pattern a non-blank
    value must match. Mirrors feedback_lakehouse.ingest.specs.SOURCES. The custom (bring your own)
    source's columns come from a YAML mapping: load it with your own COPY INTO. -#}
{% macro bronze_landing_specs() %}
    {%- set rating = '^[1-5]$' -%}
    {%- set iso_z = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' -%}
    {%- set iso_date = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' -%}
    {{ return({
        'shop': {'table': 'shop__reviews', 'folder': 'shop', 'pattern': '*.csv', 'format': 'csv',
            'columns': [
                ['review_id', 'Review ID', true, none],
                ['product_sku', 'Product SKU', false, none],
                ['rating', 'Rating', true, rating],
                ['review_title', 'Review Title', false, none],
                ['review_body', 'Review Body', false, none],
                ['created_at', 'Created At', true, '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$'],
                ['customer_id', 'Customer ID', false, none],
            ]},
        'helpdesk': {'table': 'helpdesk__tickets', 'folder': 'helpdesk', 'pattern': '*.jsonl', 'format': 'json',
            'columns': [
                ['ticket_id', 'id', true, '^[0-9]{1,18}$'],
                ['subject', 'subject', false, none],
                ['description', 'description', false, none],
                ['created_at', 'created_at', true, iso_z],
                ['updated_at', 'updated_at', true, iso_z],
                ['status', 'status', false, none],
                ['priority', 'priority', false, none],
                ['requester_email', 'requester.email', false, none],
                ['requester_name', 'requester.name', false, none],
                ['tags', 'tags', false, none],
                ['channel', 'via.channel', false, none],
                ['product_sku', 'custom_fields.product_sku', false, none],
                ['order_number', 'custom_fields.order_number', false, none],
                ['solved_at', 'solved_at', false, iso_z],
                ['macro_ids', 'macro_ids', false, none],
            ]},
        'appstore': {'table': 'appstore__reviews', 'folder': 'appstore', 'pattern': '*.csv', 'format': 'csv',
            'columns': [
                ['platform', 'platform', false, none],
                ['app_version', 'app_version', false, none],
                ['rating', 'rating', true, rating],
                ['review_text', 'review_text', false, none],
                ['review_date', 'review_date', true, iso_date],
                ['country', 'country', false, none],
            ]},
        'survey': {'table': 'survey__nps_responses', 'folder': 'survey', 'pattern': '*.csv', 'format': 'csv',
            'columns': [
                ['response_id', 'Response ID', true, none],
                ['score', 'Score', true, '^(10|[0-9])$'],
                ['comment', 'Comment', false, none],
                ['submitted_at', 'Submitted At', true, '^[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}$'],
                ['customer_id', 'Customer ID', false, none],
            ]},
        'crm': {'table': 'crm__customers', 'folder': 'crm', 'pattern': '*.csv', 'format': 'csv',
            'columns': [
                ['customer_id', 'customer_id', true, none],
                ['email', 'email', false, none],
                ['tier', 'tier', false, none],
                ['country', 'country', false, none],
                ['signed_up_on', 'signed_up_on', false, iso_date],
            ]},
        'reviews': {'table': 'reviews__decisions', 'folder': 'reviews', 'pattern': '*.csv', 'format': 'csv',
            'columns': [
                ['feedback_id', 'feedback_id', true, '^(shop|helpdesk|appstore|survey):[^ ]+$'],
                ['reviewer', 'reviewer', true, none],
                ['decided_at', 'decided_at', true, iso_z],
                ['corrected_category', 'corrected_category', false, '^[a-z][a-z0-9_]*$'],
                ['corrected_sentiment', 'corrected_sentiment', false, '^(positive|neutral|negative|mixed)$'],
                ['corrected_urgency', 'corrected_urgency', false, '^(low|medium|high|critical)$'],
                ['verdict', 'verdict', true, '^(useful|incorrect|needs_refinement)$'],
                ['note', 'note', false, none],
            ]},
        'gold': {'table': 'gold__labels', 'folder': 'gold', 'pattern': '*.csv', 'format': 'csv',
            'columns': [
                ['feedback_id', 'feedback_id', true, '^(shop|helpdesk|appstore|survey):[^ ]+$'],
                ['gold_category', 'gold_category', false, none],
                ['gold_sentiment', 'gold_sentiment', false, '^(positive|neutral|negative|mixed)$'],
                ['label_scheme', 'label_scheme', true, none],
                ['split', 'split', false, '^(train|calibration|test)$'],
                ['labeller', 'labeller', false, none],
            ]},
        'jira': {'table': 'jira__issues', 'folder': 'jira', 'pattern': '*.jsonl', 'format': 'json',
            'columns': [
                ['issue_key', 'issue_key', true, none],
                ['alert_id', 'alert_id', false, none],
                ['alert_type', 'alert_type', false, none],
                ['main_category', 'main_category', false, none],
                ['status_name', 'status_name', false, none],
                ['status_category', 'status_category', false, none],
                ['resolution_date', 'resolution_date', false, iso_z],
                ['updated', 'updated', false, iso_z],
                ['created', 'created', false, iso_z],
                ['synced_at', 'synced_at', true, iso_z],
            ]},
    }) }}
{% endmacro %}
