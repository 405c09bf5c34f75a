{#- The spam score of a row: the sum of the weights of the signals (spam_signals) whose
    boolean column `<prefix><name>` is true. -#}
{% macro spam_score(prefix='spam_') -%}
    cast(
    {%- for signal in feedback_lakehouse.spam_signals() %}
        {% if not loop.first %}+ {% endif %}case when {{ prefix ~ signal.name }} then {{ signal.weight }} else 0 end
    {%- endfor %}
        as double)
{%- endmacro %}
