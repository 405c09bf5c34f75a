{#- The Delta table COPY INTO loads one landing source into: the data columns as raw
    strings, then the file and load metadata (the DuckDB bronze columns, plus the file's
    modification time). Created once; never replaced, so bronze stays append-only. -#}
{% macro bronze_table_ddl(relation, spec) -%}
    create table if not exists {{ relation }} (
        {%- for column in spec.columns %}
        {{ column[0] }} string,
        {%- endfor %}
        _source_file string,
        _file_hash string,
        _row_number bigint,
        _file_modified_at timestamp,
        _ingested_at timestamp,
        _is_rejected boolean,
        _reject_reason string,
        _raw_record string
    )
    using delta
    cluster by (_ingested_at)
    comment 'Append-only landing rows (COPY INTO by load_bronze_databricks).'
{%- endmacro %}
