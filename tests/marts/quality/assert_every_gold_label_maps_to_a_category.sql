-- Warns with one row per gold category value that maps to no category of the taxonomy
-- version in force (rpt_eval_unmapped_gold_labels), naming the value and its count: such
-- labels are left out of every metric, so they must never go unnoticed.
{{ config(severity='warn') }}

{%- set failing %}
select
    unmapped_key,
    label_scheme,
    gold_label,
    labels,
    gold_category_labels,
    message
from {{ ref('rpt_eval_unmapped_gold_labels') }}
{%- endset %}

{{- feedback_lakehouse.log_test_messages(failing, 'unmapped gold labels') }}

{{ failing }}
