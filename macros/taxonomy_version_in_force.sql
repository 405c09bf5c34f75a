{#- The taxonomy version in force, as a SQL expression: the dbt var `taxonomy_version`
    when set, else the default active version of the `taxonomy_versions` seed, read by a
    scalar subquery (no run_query, so compiling never needs a warehouse connection). -#}
{% macro taxonomy_version_in_force() %}
    {%- set versions = ref('taxonomy_versions') -%}
    {%- set chosen = var('taxonomy_version', none) -%}
    {%- if chosen is not none and (chosen | string | trim) not in ('', 'None', 'none', 'null') -%}
        '{{ chosen | string | trim }}'
    {%- else -%}
        (select max(taxonomy_version) from {{ versions }} where is_default)
    {%- endif -%}
{% endmacro %}
