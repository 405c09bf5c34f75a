{#- is_incremental(), except in an offline compile: is_incremental() looks the model's
    table up in the warehouse, which `dbt compile --no-introspect` (make check-databricks,
    no workspace) cannot do; there it renders the full build. -#}
{% macro incremental_run() %}
    {{ return(flags.INTROSPECT is not false and is_incremental()) }}
{% endmacro %}
