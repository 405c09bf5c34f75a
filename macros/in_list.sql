{#- `column in (...)` for the values a query returns, written out as literals when there
    are at most `max_inline` of them. A literal list is a filter the engine pushes down
    through views and joins to the table scan; a subquery is a semi-join it applies only
    after computing everything above it (fct_feedback: ~0.2 s against ~1 s over the
    record steps at 1M records). More values than that: the subquery. None: false. At
    most max_inline + 1 values are fetched to tell (all 1,032,567 ids of a 1M-record
    rebuild took 4.3 s to fetch and convert, only to be dropped for the subquery). -#}
{% macro in_list(column, query, max_inline=50000) -%}
    {%- if not execute -%}
        {{ column }} in ({{ query }})
    {%- else -%}
        {%- set values = run_query(
            'select * from (' ~ query ~ ') as in_list_values limit ' ~ (max_inline + 1)
        ).columns[0].values() -%}
        {%- if values | length == 0 -%}
            false
        {%- elif values | length > max_inline -%}
            {{ column }} in ({{ query }})
        {%- else -%}
            {{ column }} in (
            {%- for value in values -%}
                '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
            {%- endfor -%}
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
