{#-
    The gold-vs-predicted pairs of int_eval__pairs in long form: one row per pair and label
    kind ('category', 'sentiment') that has a gold label, with gold_label and
    predicted_label. The confusion matrix and the per-label metrics both start from it.
-#}
{% macro eval_labelled_pairs(pairs) %}
    select
        eval_key,
        provider,
        model,
        prompt_version,
        taxonomy_version,
        'category' as label_kind,
        gold_category as gold_label,
        predicted_category as predicted_label
    from {{ pairs }}
    where gold_category is not null

    union all

    select
        eval_key,
        provider,
        model,
        prompt_version,
        taxonomy_version,
        'sentiment' as label_kind,
        gold_sentiment as gold_label,
        predicted_sentiment as predicted_label
    from {{ pairs }}
    where gold_sentiment is not null
{% endmacro %}
