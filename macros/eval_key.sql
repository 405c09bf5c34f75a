{#- The key of one evaluated enrichment (provider, model, prompt version, taxonomy
    version): the quality marts join on it, so every model computes it here. -#}
{% macro eval_key() -%}
    {{ dbt.hash(dbt.concat([
        "provider", "'|'", "model", "'|'", "prompt_version", "'|'", "taxonomy_version"
    ])) }}
{%- endmacro %}
