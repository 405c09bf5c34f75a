{#- Severity of the quality gates (the tests on rpt_quality_gates and the other/unknown
    rate): the var eval_gate_severity when set (warn or error); else error once a
    baseline is set (macro eval_baseline) and warn until then, so a first build on new
    data reports its measured values instead of failing on thresholds nobody chose. -#}
{% macro eval_gate_severity() %}
    {%- set chosen = var('eval_gate_severity', none) -%}
    {%- if chosen is not none and (chosen | string | trim | lower) not in ('', 'none', 'null') -%}
        {%- if (chosen | string | trim | lower) not in ('warn', 'error') -%}
            {{ exceptions.raise_compiler_error(
                "var eval_gate_severity must be warn or error, got " ~ (chosen | string)
            ) }}
        {%- endif -%}
        {{ return(chosen | string | trim | lower) }}
    {%- endif -%}
    {{ return('error' if feedback_lakehouse.eval_baseline() else 'warn') }}
{% endmacro %}
