-- Agreement between the model and human reviewers on the reviewed records, per
-- provider, model, prompt version and taxonomy version, for categories and sentiment:
-- the observed agreement and Cohen's kappa (agreement beyond what the two label
-- distributions give by chance). Kappa is null when chance agreement is 1 (one label).
with

reviewed as (

    select * from {{ ref('fct_feedback') }}
    where is_reviewed

),

labelled as (

    select
        coalesce(provider, '(none)') as provider,
        coalesce(model, '(none)') as model,
        coalesce(prompt_version, '(none)') as prompt_version,
        coalesce(taxonomy_version, '(none)') as taxonomy_version,
        'category' as label_kind,
        model_main_category as model_label,
        main_category as reviewer_label
    from reviewed

    union all

    select
        coalesce(provider, '(none)') as provider,
        coalesce(model, '(none)') as model,
        coalesce(prompt_version, '(none)') as prompt_version,
        coalesce(taxonomy_version, '(none)') as taxonomy_version,
        'sentiment' as label_kind,
        model_sentiment as model_label,
        sentiment as reviewer_label
    from reviewed

),

keyed as (

    select
        {{ dbt.hash(dbt.concat([
            "provider", "'|'", "model", "'|'", "prompt_version", "'|'",
            "taxonomy_version", "'|'", "label_kind"
        ])) }} as kappa_key,
        *
    from labelled

),

totals as (

    select
        kappa_key,
        max(provider) as provider,
        max(model) as model,
        max(prompt_version) as prompt_version,
        max(taxonomy_version) as taxonomy_version,
        max(label_kind) as label_kind,
        count(*) as reviewed_items,
        avg(case when model_label = reviewer_label then 1.0 else 0.0 end) as observed_agreement
    from keyed
    group by kappa_key

),

model_shares as (

    select
        kappa_key,
        model_label as label,
        count(*) as items
    from keyed
    group by kappa_key, model_label

),

reviewer_shares as (

    select
        kappa_key,
        reviewer_label as label,
        count(*) as items
    from keyed
    group by kappa_key, reviewer_label

),

chance as (

    select
        model_shares.kappa_key,
        sum(
            1.0 * model_shares.items * reviewer_shares.items
            / (totals.reviewed_items * totals.reviewed_items)
        ) as chance_agreement
    from model_shares
    inner join reviewer_shares
        on
            model_shares.kappa_key = reviewer_shares.kappa_key
            and model_shares.label = reviewer_shares.label
    inner join totals
        on model_shares.kappa_key = totals.kappa_key
    group by model_shares.kappa_key

),

final as (

    select
        cast(totals.kappa_key as string) as kappa_key,
        cast(totals.provider as string) as provider,
        cast(totals.model as string) as model,
        cast(totals.prompt_version as string) as prompt_version,
        cast(totals.taxonomy_version as string) as taxonomy_version,
        cast(totals.label_kind as string) as label_kind,
        cast(totals.reviewed_items as bigint) as reviewed_items,
        cast(totals.observed_agreement as double) as observed_agreement,
        cast(coalesce(chance.chance_agreement, 0) as double) as chance_agreement,
        cast(
            case
                when coalesce(chance.chance_agreement, 0) < 1
                    then
                        (totals.observed_agreement - coalesce(chance.chance_agreement, 0))
                        / (1 - coalesce(chance.chance_agreement, 0))
            end as double
        ) as cohens_kappa
    from totals
    left join chance
        on totals.kappa_key = chance.kappa_key

)

select * from final
