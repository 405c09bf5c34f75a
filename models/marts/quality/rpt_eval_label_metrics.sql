-- Precision, recall and F1 per label (category or sentiment) against held-out gold
-- labels, per provider, model, prompt version and taxonomy version. Labels are every
-- label that is gold or predicted at least once, as scikit-learn's classification report
-- counts them; a label never predicted has precision 0, never gold has recall 0.
with

pairs as (

    select * from {{ ref('int_eval__pairs') }}

),

labelled as (

    {{ feedback_lakehouse.eval_labelled_pairs('pairs') }}

),

labels as (

    select distinct
        eval_key,
        label_kind,
        gold_label as label
    from labelled

    union distinct

    select distinct
        eval_key,
        label_kind,
        predicted_label as label
    from labelled

),

counted as (

    select
        labels.eval_key,
        labels.label_kind,
        labels.label,
        max(labelled.provider) as provider,
        max(labelled.model) as model,
        max(labelled.prompt_version) as prompt_version,
        max(labelled.taxonomy_version) as taxonomy_version,
        sum(
            case
                when
                    labelled.gold_label = labels.label
                    and labelled.predicted_label = labels.label then 1
                else 0
            end
        ) as true_positives,
        sum(
            case
                when
                    labelled.gold_label != labels.label
                    and labelled.predicted_label = labels.label then 1
                else 0
            end
        ) as false_positives,
        sum(
            case
                when
                    labelled.gold_label = labels.label
                    and labelled.predicted_label != labels.label then 1
                else 0
            end
        ) as false_negatives
    from labels
    inner join labelled
        on
            labels.eval_key = labelled.eval_key
            and labels.label_kind = labelled.label_kind
    group by labels.eval_key, labels.label_kind, labels.label

),

final as (

    select
        {{ dbt.hash(dbt.concat(["eval_key", "'|'", "label_kind", "'|'", "label"])) }}
            as label_metric_key,
        cast(eval_key as string) as eval_key,
        cast(provider as string) as provider,
        cast(model as string) as model,
        cast(prompt_version as string) as prompt_version,
        cast(taxonomy_version as string) as taxonomy_version,
        cast(label_kind as string) as label_kind,
        cast(label as string) as label,
        cast(true_positives + false_negatives as bigint) as support,
        cast(true_positives + false_positives as bigint) as predicted,
        cast(true_positives as bigint) as true_positives,
        cast(false_positives as bigint) as false_positives,
        cast(false_negatives as bigint) as false_negatives,
        cast(
            case
                when true_positives + false_positives = 0 then 0.0
                else cast(true_positives as double) / (true_positives + false_positives)
            end as double
        ) as label_precision,
        cast(
            case
                when true_positives + false_negatives = 0 then 0.0
                else cast(true_positives as double) / (true_positives + false_negatives)
            end as double
        ) as label_recall,
        cast(
            case
                when 2 * true_positives + false_positives + false_negatives = 0 then 0.0
                else
                    -- double division on both engines (2.0 * n is a decimal on Spark)
                    cast(2 * true_positives as double)
                    / (2 * true_positives + false_positives + false_negatives)
            end as double
        ) as f1
    from counted

)

select * from final
