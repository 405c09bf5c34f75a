{#- The quality baseline the user set, as a mapping of gate var name to threshold
    (eval_min_category_accuracy, eval_min_category_macro_f1, eval_min_sentiment_macro_f1,
    eval_max_calibration_error, other_rate_error); {} when none is set. It comes from the
    var eval_baseline: a mapping given with --vars, or the JSON text of the file
    `feedback eval --set-baseline` writes, passed in the environment variable
    FEEDBACK_EVAL_BASELINE (dbt_project.yml reads it). Other keys of that file (what was
    measured, when) are ignored. -#}
{% macro eval_baseline() %}
    {%- set gates = [
        'eval_min_category_accuracy', 'eval_min_category_macro_f1',
        'eval_min_sentiment_macro_f1', 'eval_max_calibration_error', 'other_rate_error',
    ] -%}
    {%- set raw = var('eval_baseline', none) -%}
    {%- if raw is none or (raw is string and (raw | trim) in ('', 'None', 'none', 'null')) -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set parsed = raw if raw is mapping else fromyaml(raw | string) -%}
    {%- if parsed is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "var eval_baseline (or FEEDBACK_EVAL_BASELINE) is not a mapping of gate thresholds: "
            ~ (raw | string)[:200] ~ ". Set it again with `feedback eval --set-baseline`, or "
            ~ "pass --vars '{eval_baseline: {eval_min_category_accuracy: 0.8}}'."
        ) }}
    {%- endif -%}
    {%- set baseline = {} -%}
    {%- for name in gates if parsed.get(name) is not none -%}
        {%- set value = parsed[name] -%}
        {%- if value is not number or value < 0 or value > 1 -%}
            {{ exceptions.raise_compiler_error(
                "eval baseline: " ~ name ~ " must be a number between 0 and 1, got "
                ~ (value | string) ~ ". Set it again with `feedback eval --set-baseline`."
            ) }}
        {%- endif -%}
        {%- do baseline.update({name: value}) -%}
    {%- endfor -%}
    {{ return(baseline) }}
{% endmacro %}
