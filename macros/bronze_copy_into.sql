{#- COPY INTO one bronze table from a landing folder. Native fields are renamed to the
    bronze columns (nested JSON fields by path, arrays kept as JSON text); a row missing
    a required value, failing a format check or carrying rescued (malformed) data is
    kept, flagged _is_rejected, with the reason and the raw record. _file_hash identifies
    the file by path, size and modification time (COPY INTO itself skips loaded files);
    _row_number is not known to COPY INTO and stays null. -#}
{% macro bronze_copy_into(relation, spec, folder_path) -%}
    {%- set checks = [] -%}
    {%- for column in spec.columns -%}
        {%- set native = '`' ~ column[1].split('.') | join('`.`') ~ '`' -%}
        {%- set value = 'to_json(' ~ native ~ ')' if column[0] in ('tags', 'macro_ids') and spec.format == 'json'
            else 'cast(' ~ native ~ ' as string)' -%}
        {%- if column[2] -%}
            {%- do checks.append(["coalesce(trim(" ~ value ~ "), '') = ''",
                column[0] ~ ' is missing']) -%}
        {%- endif -%}
        {%- if column[3] -%}
            {%- do checks.append(["coalesce(trim(" ~ value ~ "), '') != '' and not "
                ~ value ~ " rlike '" ~ column[3] | replace('\\', '\\\\') ~ "'",
                column[0] ~ ' has an unexpected format']) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do checks.append(['_rescued_data is not null', 'malformed row (rescued data)']) -%}
    copy into {{ relation }}
    from (
        select
            {%- for column in spec.columns %}
            {%- set native = '`' ~ column[1].split('.') | join('`.`') ~ '`' %}
            {% if column[0] in ('tags', 'macro_ids') and spec.format == 'json' -%}
                to_json({{ native }})
            {%- else -%}
                cast({{ native }} as string)
            {%- endif %} as {{ column[0] }},
            {%- endfor %}
            _metadata.file_path as _source_file,
            sha2(concat_ws('|', _metadata.file_path, cast(_metadata.file_size as string),
                cast(_metadata.file_modification_time as string)), 256) as _file_hash,
            cast(null as bigint) as _row_number,
            _metadata.file_modification_time as _file_modified_at,
            current_timestamp() as _ingested_at,
            (
                {%- for check in checks %}
                ({{ check[0] }}){% if not loop.last %} or{% endif %}
                {%- endfor %}
            ) as _is_rejected,
            nullif(concat_ws('; ',
                {%- for check in checks %}
                case when {{ check[0] }} then '{{ check[1] }}' end{% if not loop.last %},{% endif %}
                {%- endfor %}
            ), '') as _reject_reason,
            case when
                {%- for check in checks %}
                ({{ check[0] }}){% if not loop.last %} or{% endif %}
                {%- endfor %}
                then to_json(struct(*)) end as _raw_record
        from '{{ folder_path }}'
    )
    fileformat = {{ spec.format | upper }}
    pattern = '{{ spec.pattern }}'
    format_options (
        {%- if spec.format == 'csv' %}
        'header' = 'true',
        'multiLine' = 'true',
        'escape' = '"',
        'inferSchema' = 'false',
        {%- else %}
        'primitivesAsString' = 'true',
        {%- endif %}
        'rescuedDataColumn' = '_rescued_data'
    )
    copy_options ('mergeSchema' = 'false')
{%- endmacro %}
