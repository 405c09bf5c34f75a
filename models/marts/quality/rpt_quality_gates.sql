-- The quality gates of the enrichment in force (int_eval__current_enrichment): one row
-- per metric measured on at least var eval_min_items held-out gold items, with the
-- measured value, the threshold, where the threshold comes from (the baseline the user
-- set, else the default var) and a message a person can act on. Older keys (e.g. the
-- zero-shot run before learning) are not judged. The test
-- tests/marts/quality/assert_quality_gates_pass.sql fails on rows not passed, as a
-- warning until a baseline is set (macro eval_gate_severity).
{%- set baseline = feedback_lakehouse.eval_baseline() %}
{%- set gates = [
    {'gate': 'category_accuracy', 'label': 'category accuracy', 'var': 'eval_min_category_accuracy',
     'items': 'category_items', 'is_min': true},
    {'gate': 'category_macro_f1', 'label': 'category macro-F1', 'var': 'eval_min_category_macro_f1',
     'items': 'category_items', 'is_min': true},
    {'gate': 'sentiment_macro_f1', 'label': 'sentiment macro-F1', 'var': 'eval_min_sentiment_macro_f1',
     'items': 'sentiment_items', 'is_min': true},
    {'gate': 'expected_calibration_error', 'label': 'calibration error (ECE)',
     'var': 'eval_max_calibration_error', 'items': 'category_items', 'is_min': false},
] %}

with

summary as (

    select * from {{ ref('rpt_eval_summary') }}
    where is_current

),

gates as (
{%- for gate in gates %}

    select
        eval_key,
        provider,
        model,
        prompt_version,
        taxonomy_version,
        '{{ gate.gate }}' as gate,
        '{{ gate.label }}' as gate_label,
        '{{ ">=" if gate.is_min else "<=" }}' as required,
        {{ gate['items'] }} as items,
        {{ gate.gate }} as measured_value,
        cast({{ baseline.get(gate.var, var(gate.var)) }} as double) as threshold,
        '{{ "baseline" if gate.var in baseline else "var " ~ gate.var }}'
            as threshold_source
    from summary
    where
        {{ gate['items'] }} >= {{ var('eval_min_items') }}
        and {{ gate.gate }} is not null
    {{- "\n\n    union all" if not loop.last }}
{%- endfor %}

),

judged as (

    select
        *,
        case
            when required = '>=' then measured_value >= threshold
            else measured_value <= threshold
        end as is_passed,
        case
            when required = '>=' and measured_value < threshold then '<'
            when required = '<=' and measured_value > threshold then '>'
            else required
        end as shown_operator
    from gates

),

final as (

    select
        cast({{ dbt.concat(["eval_key", "':'", "gate"]) }} as string) as gate_key,
        cast(eval_key as string) as eval_key,
        cast(provider as string) as provider,
        cast(model as string) as model,
        cast(prompt_version as string) as prompt_version,
        cast(taxonomy_version as string) as taxonomy_version,
        cast(gate as string) as gate,
        cast(items as bigint) as items,
        cast(measured_value as double) as measured_value,
        cast(required as string) as required,
        cast(threshold as double) as threshold,
        cast(threshold_source as string) as threshold_source,
        is_passed,
        cast({{ dbt.concat([
            "gate_label", "' '",
            "cast(round(measured_value, 3) as string)", "' '",
            "shown_operator", "' '",
            "cast(round(threshold, 3) as string)",
            "' ('", "threshold_source",
            "'; '", "provider", "' '", "model", "', prompt '", "prompt_version",
            "', taxonomy '", "taxonomy_version",
            "', '", "cast(items as string)", "' gold items)'",
        ]) }} as string) as message
    from judged

)

select * from final
