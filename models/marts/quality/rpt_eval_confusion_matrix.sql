-- The confusion matrix (gold label x predicted label, with counts) per provider, model,
-- prompt version and taxonomy version, for categories and for sentiment. Only cells with
-- at least one item are rows.
with

pairs as (

    select * from {{ ref('int_eval__pairs') }}

),

labelled as (

    {{ feedback_lakehouse.eval_labelled_pairs('pairs') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "eval_key", "'|'", "label_kind", "'|'", "gold_label", "'|'", "predicted_label"
        ])) }} as confusion_key,
        cast(eval_key as string) as eval_key,
        cast(provider as string) as provider,
        cast(model as string) as model,
        cast(prompt_version as string) as prompt_version,
        cast(taxonomy_version as string) as taxonomy_version,
        cast(label_kind as string) as label_kind,
        cast(gold_label as string) as gold_label,
        cast(predicted_label as string) as predicted_label,
        cast(count(*) as bigint) as items
    from labelled
    group by
        eval_key, provider, model, prompt_version, taxonomy_version,
        label_kind, gold_label, predicted_label

)

select * from final
