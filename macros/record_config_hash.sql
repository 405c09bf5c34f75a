{#- What a stored fct_feedback row depends on besides its record, texts, enrichments,
    customer and review decision, as one hash (a SQL expression): the provider in force,
    the review vars, the taxonomy version in force and its categories (owner team,
    parent, criticality) and the model's columns. fct_feedback keeps it per row; when it
    differs from the stored one, the incremental run rebuilds every row. Add here
    anything new the record steps read. Not the review thresholds measured on
    calibration gold (int_eval__confidence_thresholds): they move a little with every
    run that brings new gold, so fct_feedback rebuilds only the rows whose status they
    change (its threshold_flips), not all. -#}
{% macro record_config_hash() -%}
    {#- the model's documented columns: a column added by an upgrade (fct_feedback
        appends it, on_schema_change append_new_columns) is filled on every row by the
        rebuild this triggers, instead of failing the build or staying null on old rows -#}
    {%- set settings = [
        var('enrichment_provider'),
        var('review_confidence_threshold'),
        var('review_threshold_from_eval'),
        model.columns.keys() | sort | join(','),
    ] | join('|') -%}
    {%- set category_row = dbt.concat([
        'category_id', "'='", "coalesce(owner_team, '')", "'/'",
        "coalesce(parent_category_id, '')", "'/'",
        "coalesce(cast(criticality as " ~ dbt.type_string() ~ "), '')",
    ]) -%}
    {%- set parts = [
        "'" ~ settings ~ "'",
        "coalesce(cast(" ~ taxonomy_version_in_force() ~ " as " ~ dbt.type_string() ~ "), '')",
        "coalesce((select " ~ feedback_lakehouse.ordered_string_agg(category_row, "';'")
            ~ " from " ~ ref('taxonomy_categories')
            ~ " where taxonomy_version = " ~ taxonomy_version_in_force() ~ "), '')",
    ] -%}
    {%- set fields = [] -%}
    {%- for part in parts -%}
        {%- if not loop.first %}{% do fields.append("'|'") %}{% endif -%}
        {%- do fields.append(part) -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(fields)) }}
{%- endmacro %}
