-- The quality gates of the enrichment in force (int_eval__current_enrichment): one row
-- per metric measured on at least var eval_min_items held-out gold items, with the
-- measured value, the threshold, where the threshold comes from (the baseline the user
-- set, else the default var) and a message a person can act on. Older keys (e.g. the
-- zero-shot run before learning) are not judged. The test
-- tests/marts/quality/assert_quality_gates_pass.sql fails on rows not passed, as a
-- warning until a baseline is set (macro eval_gate_severity).
{%- set baseline = feedback_lakehouse.eval_baseline() %}
{%- set names = [
    'eval_min_category_accuracy', 'eval_min_category_macro_f1',
    'eval_min_sentiment_macro_f1', 'eval_max_calibration_error',
] %}
{%- set threshold = {} %}
{%- set source = {} %}
{%- for name in names %}
    {%- do threshold.update({name: baseline.get(name, var(name))}) %}
    {%- do source.update({name: 'baseline' if name in baseline else 'var ' ~ name}) %}
{%- endfor %}

with

summary as (

    select * from {{ ref('rpt_eval_summary') }}
    where is_current

),

definitions as (

    select
        'category_accuracy' as gate,
        'category accuracy' as gate_label,
        '>=' as required,
        cast({{ threshold['eval_min_category_accuracy'] }} as double) as threshold,
        '{{ source["eval_min_category_accuracy"] }}' as threshold_source

    union all

    select
        'category_macro_f1' as gate,
        'category macro-F1' as gate_label,
        '>=' as required,
        cast({{ threshold['eval_min_category_macro_f1'] }} as double) as threshold,
        '{{ source["eval_min_category_macro_f1"] }}' as threshold_source

    union all

    select
        'sentiment_macro_f1' as gate,
        'sentiment macro-F1' as gate_label,
        '>=' as required,
        cast({{ threshold['eval_min_sentiment_macro_f1'] }} as double) as threshold,
        '{{ source["eval_min_sentiment_macro_f1"] }}' as threshold_source

    union all

    select
        'expected_calibration_error' as gate,
        'calibration error (ECE)' as gate_label,
        '<=' as required,
        cast({{ threshold['eval_max_calibration_error'] }} as double) as threshold,
        '{{ source["eval_max_calibration_error"] }}' as threshold_source

),

measured as (

    select
        summary.eval_key,
        summary.provider,
        summary.model,
        summary.prompt_version,
        summary.taxonomy_version,
        definitions.gate,
        definitions.gate_label,
        definitions.required,
        definitions.threshold,
        definitions.threshold_source,
        case
            when definitions.gate = 'sentiment_macro_f1' then summary.sentiment_items
            else summary.category_items
        end as items,
        case definitions.gate
            when 'category_accuracy' then summary.category_accuracy
            when 'category_macro_f1' then summary.category_macro_f1
            when 'sentiment_macro_f1' then summary.sentiment_macro_f1
            else summary.expected_calibration_error
        end as measured_value
    from summary
    cross join definitions

),

gates as (

    select * from measured
    where items >= {{ var('eval_min_items') }} and measured_value is not null

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
