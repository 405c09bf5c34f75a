-- The quality gates of the enrichment in force: one row per metric that misses its
-- threshold, with a message stating the measured value and the threshold (also printed
-- in dbt's log). A warning until a baseline is set (feedback eval --set-baseline, or var
-- eval_baseline), an error after; var eval_gate_severity overrides either way.
{{ config(severity=feedback_lakehouse.eval_gate_severity()) }}

{%- set failing %}
select
    gate_key,
    gate,
    measured_value,
    required,
    threshold,
    threshold_source,
    message
from {{ ref('rpt_quality_gates') }}
where not is_passed
{%- endset %}

{{- feedback_lakehouse.log_test_messages(
    failing, 'quality gate (' ~ feedback_lakehouse.eval_gate_severity() ~ ')'
) }}

{{ failing }}
