{#- Databricks: create the Unity Catalog Python function the macro `mask_pii` calls. It
    runs `feedback_lakehouse.text.pii.mask_pii`, installed from FEEDBACK_PACKAGE (a PyPI pin or
    a wheel path in a volume), like the Python models. Other engines: an empty hook (dbt skips it). dbt creates
    the schema before on-run-start hooks run. -#}
{% macro create_mask_pii_function() -%}
    {%- if target.type == 'databricks' -%}
    create or replace function {{ target.catalog }}.{{ target.schema }}.feedback_mask_pii(text string)
    returns string
    language python
    environment (
        dependencies = '["{{ env_var('FEEDBACK_PACKAGE', 'feedback-lakehouse==0.1.0') }}"]',
        environment_version = 'None'
    )
    comment 'Masks personal data (feedback_lakehouse.text.pii.mask_pii)'
    as $$
from feedback_lakehouse.text.pii import mask_pii
return mask_pii(text)
$$
    {%- endif -%}
{%- endmacro %}
