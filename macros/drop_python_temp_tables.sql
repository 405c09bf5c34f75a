{#- DuckDB: drop the `<model>__dbt_tmp<time>` tables that the incremental Python models of
    this run left behind. dbt-duckdb's incremental materialization asks for a temporary
    table and so never drops it, but its Python path (py_write_table) ignores `temporary`
    and writes a real table into the connection's default schema: without this, every
    incremental run adds one table per incremental Python model to the user's warehouse.
    Only tables named after a Python model this run executed, with dbt's suffix, in the
    schema where dbt-duckdb writes them; older leftovers of the same models go too. Other
    engines: an empty hook (dbt skips it). -#}
{% macro drop_python_temp_tables(results) -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set models = [] -%}
        {%- for result in results -%}
            {%- set node = result.node -%}
            {%- if node.resource_type == 'model' and node.language == 'python'
                and node.config.materialized == 'incremental' -%}
                {%- do models.append(node.alias) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if models -%}
            {#- outside a transaction: dbt runs on-run-end hooks outside one -#}
            {%- call statement('python_temp_tables', fetch_result=True, auto_begin=False) -%}
                select table_catalog, table_schema, table_name
                from information_schema.tables
                where table_catalog = current_database()
                    and table_schema = current_schema()
                    and table_type = 'BASE TABLE'
                    and regexp_full_match(
                        table_name, '({{ models | unique | join("|") }})__dbt_tmp[0-9]+'
                    )
            {%- endcall -%}
            {%- set leftovers = load_result('python_temp_tables').table -%}
            {%- for row in leftovers.rows -%}
                {%- do adapter.drop_relation(api.Relation.create(
                    database=row[0], schema=row[1], identifier=row[2], type='table'
                )) -%}
            {%- endfor -%}
            {%- do log('dropped ' ~ (leftovers.rows | length)
                ~ ' temp table(s) of incremental Python models') -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
