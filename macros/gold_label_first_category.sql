{#- The first category by id of each gold label in gold_label_mapping, per label scheme
    and taxonomy version, as a select: one row per label, so a join on it never doubles a
    gold row. A coarse label covering a taxonomy split (a helpdesk tag mapped to two
    categories of a version) has several mapping rows; int_gold_labels shows this one as
    the label's category_id, and int_eval__pairs compares a wrong prediction with it
    (a prediction of any of the label's categories is right there). label_scheme and
    gold_label come out normalised (normalize_label), ready to join on. -#}
{% macro gold_label_first_category(mapping) %}
    select
        {{ feedback_lakehouse.normalize_label('label_scheme') }} as label_scheme,
        {{ feedback_lakehouse.normalize_label('gold_label') }} as gold_label,
        taxonomy_version,
        min(category_id) as category_id
    from {{ mapping }}
    group by
        {{ feedback_lakehouse.normalize_label('label_scheme') }},
        {{ feedback_lakehouse.normalize_label('gold_label') }},
        taxonomy_version
{% endmacro %}
