{#- The key of one evaluated enrichment (provider, model, prompt version, taxonomy
    version): the quality marts join on it, so every model computes it here. `relation`:
    the columns' table alias, where a join makes them ambiguous. -#}
{% macro eval_key(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ dbt.hash(dbt.concat([
        prefix ~ "provider", "'|'", prefix ~ "model", "'|'",
        prefix ~ "prompt_version", "'|'", prefix ~ "taxonomy_version"
    ])) }}
{%- endmacro %}
