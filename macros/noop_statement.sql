{#-
    dbt's noop_statement (the seed materialization calls it) with one change: a seed's
    run output is not written. dbt writes it to target/run/<project>/<seed path>, and a
    seed folder given as an absolute path (var byo_seed_dir) joins to the user's own CSV,
    which dbt then overwrote with its insert SQL. Every other node writes as before.
-#}
{% macro noop_statement(name=None, message=None, code=None, rows_affected=None, res=None) -%}
    {%- set sql = caller() -%}
    {%- if name == 'main' and model['resource_type'] != 'seed' -%}
        {{ log('Writing runtime SQL for node "{}"'.format(model['unique_id'])) }}
        {{ write(sql) }}
    {%- endif -%}
    {%- if name is not none -%}
        {{ store_raw_result(
            name, message=message, code=code, rows_affected=rows_affected, agate_table=res
        ) }}
    {%- endif -%}
{%- endmacro %}
