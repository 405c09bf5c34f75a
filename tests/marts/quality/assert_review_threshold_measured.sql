-- The review threshold in force for the enrichment in force, said in dbt's log on every
-- build with held-out gold (rpt_eval_summary: measured on the calibration split, with its
-- precision and coverage, or the var and why). Warns with one row when no threshold
-- could be measured (no calibration gold, too few items, or no confidence keeps var
-- eval_target_precision): the var review_confidence_threshold then decides the review
-- queue, which must not go unnoticed.
{{ config(severity='warn') }}

{%- set in_force %}
select
    eval_key,
    review_threshold_source,
    review_threshold,
    {{ dbt.concat([
        "provider", "'/'", "model", "': threshold '",
        "cast(review_threshold as " ~ dbt.type_string() ~ ")", "': '",
        "review_threshold_note", "'; held-out precision not sent to review '",
        "coalesce(cast(round(auto_category_precision, 3) as " ~ dbt.type_string()
        ~ "), 'n/a')",
    ]) }} as message
from {{ ref('rpt_eval_summary') }}
where is_current
{%- endset %}

{{- feedback_lakehouse.log_test_messages(in_force, 'review threshold') }}

select * from ({{ in_force }}) as in_force
where review_threshold_source != 'measured'
