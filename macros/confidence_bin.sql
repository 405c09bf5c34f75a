{#- The calibration bin of a confidence (0 .. var eval_calibration_bins - 1, equal width;
    1.0 falls in the last bin): rpt_eval_calibration measures per bin, the review queue
    looks its error rate up by the same bin. -#}
{% macro confidence_bin(confidence) -%}
    {%- set bins = var('eval_calibration_bins') -%}
    least(cast(floor({{ confidence }} * {{ bins }}) as integer), {{ bins }} - 1)
{%- endmacro %}
