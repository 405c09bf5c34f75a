{#- Stops parsing with a clear message when a var that no longer exists is passed
    (--vars), naming the var that replaced it; a var nobody passes costs nothing. -#}
{% macro retired_var(name, instead, why) -%}
    {%- if var(name, none) is not none -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " is gone: " ~ why ~ " Set var " ~ instead
            ~ " instead (README \"Status: one model, named rules\")."
        ) }}
    {%- endif -%}
{%- endmacro %}
