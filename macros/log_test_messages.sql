{#- Print the `message` column of a test's failing rows in dbt's log, so a warning or an
    error says what was measured against which threshold, not only how many rows failed.
    Runs the query only while a test executes (dbt test or build), never when compiling. -#}
{% macro log_test_messages(sql, label) %}
    {%- if execute and flags.WHICH in ('test', 'build') -%}
        {%- set rows = run_query('select message from (' ~ sql ~ ') as failing') -%}
        {%- for row in rows -%}
            {%- do log(label ~ ': ' ~ row[0], info=true) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
