{#- A weight looked up from a var mapping value -> number, as a SQL case expression: the
    value's entry, else the mapping's "other" entry (0 without one). Used for the priority
    score's sentiment and tier weights (vars priority_sentiment_weights, priority_tier_weights). -#}
{% macro weight_of(column, weights) -%}
    {%- if weights is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "weight_of: the weights for " ~ column ~ " must be a mapping of value to number "
            ~ "(e.g. {enterprise: 1.0, other: 0.4}); got " ~ weights
        ) }}
    {%- endif -%}
    case {{ column }}
        {%- for value, weight in weights.items() if value != 'other' %}
        when '{{ value }}' then {{ weight | float }}
        {%- endfor %}
        else {{ weights.get('other', 0) | float }}
    end
{%- endmacro %}
