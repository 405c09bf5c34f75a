{#- The median and 90th percentile minutes to insight as aggregates over fct_label_arrivals
    rows, rounded to 0.01 min: one definition for rpt_time_to_insight (per build and
    file) and rpt_pipeline_kpis (over all builds, per source). -#}
{% macro time_to_insight_minutes() -%}
    round({{ feedback_lakehouse.percentile_value('minutes_from_ingestion', 0.5) }}, 2)
        as median_minutes_from_ingestion,
    round({{ feedback_lakehouse.percentile_value('minutes_from_ingestion', 0.9) }}, 2)
        as p90_minutes_from_ingestion,
    round({{ feedback_lakehouse.percentile_value('minutes_from_file_arrival', 0.5) }}, 2)
        as median_minutes_from_file_arrival,
    round({{ feedback_lakehouse.percentile_value('minutes_from_file_arrival', 0.9) }}, 2)
        as p90_minutes_from_file_arrival
{%- endmacro %}
