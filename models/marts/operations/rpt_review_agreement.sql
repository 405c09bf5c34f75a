-- How often reviewers agree with the model, per model category and prompt version: the
-- model's precision against human decisions. A reviewed record agrees on category when
-- the reviewer kept the model's category (corrected nothing or set the same one).
with

reviewed as (

    select * from {{ ref('fct_feedback') }}
    where is_reviewed

),

grouped as (

    select
        coalesce(provider, '(none)') as provider,
        coalesce(model, '(none)') as model,
        coalesce(prompt_version, '(none)') as prompt_version,
        coalesce(taxonomy_version, '(none)') as taxonomy_version,
        model_main_category,
        count(*) as reviewed_items,
        sum(case when main_category = model_main_category then 1 else 0 end)
            as category_agreements,
        sum(case when sentiment = model_sentiment then 1 else 0 end) as sentiment_agreements,
        sum(case when urgency = model_urgency then 1 else 0 end) as urgency_agreements,
        sum(case when review_verdict = 'useful' then 1 else 0 end) as useful_verdicts,
        sum(case when review_verdict = 'needs_refinement' then 1 else 0 end)
            as needs_refinement_verdicts,
        max(reviewed_at) as last_reviewed_at
    from reviewed
    group by
        coalesce(provider, '(none)'),
        coalesce(model, '(none)'),
        coalesce(prompt_version, '(none)'),
        coalesce(taxonomy_version, '(none)'),
        model_main_category

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "provider", "'|'", "model", "'|'", "prompt_version", "'|'",
            "taxonomy_version", "'|'", "model_main_category"
        ])) }} as agreement_key,
        cast(provider as string) as provider,
        cast(model as string) as model,
        cast(prompt_version as string) as prompt_version,
        cast(taxonomy_version as string) as taxonomy_version,
        cast(model_main_category as string) as model_main_category,
        cast(reviewed_items as bigint) as reviewed_items,
        cast(category_agreements as bigint) as category_agreements,
        cast(round(1.0 * category_agreements / reviewed_items, 3) as double) as category_precision,
        cast(round(1.0 * sentiment_agreements / reviewed_items, 3) as double)
            as sentiment_agreement_rate,
        cast(round(1.0 * urgency_agreements / reviewed_items, 3) as double)
            as urgency_agreement_rate,
        cast(round(1.0 * useful_verdicts / reviewed_items, 3) as double) as useful_rate,
        cast(round(1.0 * needs_refinement_verdicts / reviewed_items, 3) as double)
            as needs_refinement_rate,
        cast(last_reviewed_at as timestamp) as last_reviewed_at
    from grouped

)

select * from final
