-- The cascade provider against held-out gold labels, one row per cascade run (taxonomy
-- version, cascade model and prompt version): how many gold texts each side answered,
-- the calls saved, the cascade's category accuracy and each side's on its own texts,
-- beside the LLM-only run of the same LLM (provider, model and prompt version) and the
-- offline-only run of the same local model on the same gold texts, when those were
-- built. accuracy_kept = cascade accuracy / LLM-only accuracy: the share of the LLM's
-- accuracy the cascade keeps while calling it for fewer texts.
-- A cascade row's model is `<local model>><llm provider>:<llm model>@<threshold>` and its
-- prompt version `<local prompt version>|<llm prompt version>` (providers/cascade.py);
-- rows stored before the model carried that identity (no '>') are left out.
with

pairs as (

    select * from {{ ref('int_eval__pairs') }}

),

cascade_pairs as (

    select
        eval_key,
        feedback_id,
        model,
        prompt_version,
        taxonomy_version,
        gold_category,
        cascade_side,
        is_category_correct
    from pairs
    where
        provider = 'cascade'
        and {{ dbt.position("'>'", "model") }} > 0

),

cascades as (

    select
        eval_key,
        max(model) as model,
        max(prompt_version) as prompt_version,
        max(taxonomy_version) as taxonomy_version,
        count(*) as evaluated_items,
        sum(case when cascade_side = 'local' then 1 else 0 end) as local_items,
        sum(case when cascade_side = 'llm' then 1 else 0 end) as llm_items,
        sum(case when gold_category is not null then 1 else 0 end) as category_items,
        sum(case when is_category_correct then 1 else 0 end) as category_correct,
        sum(
            case when cascade_side = 'local' and gold_category is not null then 1 else 0 end
        ) as local_category_items,
        sum(
            case when cascade_side = 'local' and is_category_correct then 1 else 0 end
        ) as local_category_correct,
        sum(
            case when cascade_side = 'llm' and gold_category is not null then 1 else 0 end
        ) as llm_category_items,
        sum(
            case when cascade_side = 'llm' and is_category_correct then 1 else 0 end
        ) as llm_category_correct
    from cascade_pairs
    group by eval_key

),

identities as (

    select
        eval_key,
        taxonomy_version,
        {{ dbt.split_part("model", "'>'", 1) }} as local_model,
        -- `<llm provider>:<llm model>@<threshold>`: the model after the first '>'
        {{ dbt.right(
            "model",
            dbt.length("model") ~ " - " ~ dbt.length(dbt.split_part("model", "'>'", 1)) ~ " - 1"
        ) }} as llm_target,
        {{ dbt.split_part("prompt_version", "'|'", 1) }} as local_prompt_version,
        {{ dbt.split_part("prompt_version", "'|'", 2) }} as llm_prompt_version
    from cascades

),

runs as (

    select distinct
        eval_key,
        provider,
        model,
        prompt_version,
        taxonomy_version
    from pairs
    where provider in ('offline', 'openai', 'azure_openai')

),

-- the plain runs a cascade is compared with: the LLM-only run of its LLM (same provider,
-- model and prompt version) and the offline-only run of its local model
matches as (

    select
        identities.eval_key as cascade_eval_key,
        'llm_only' as comparison,
        runs.eval_key as run_eval_key
    from identities
    inner join runs
        on
            identities.taxonomy_version = runs.taxonomy_version
            and identities.llm_prompt_version = runs.prompt_version
            and runs.provider in ('openai', 'azure_openai')
            and {{ dbt.position(
                dbt.concat(["runs.provider", "':'", "runs.model", "'@'"]),
                "identities.llm_target"
            ) }} = 1

    union all

    select
        identities.eval_key as cascade_eval_key,
        'offline_only' as comparison,
        runs.eval_key as run_eval_key
    from identities
    inner join runs
        on
            identities.taxonomy_version = runs.taxonomy_version
            and identities.local_prompt_version = runs.prompt_version
            and identities.local_model = runs.model
            and runs.provider = 'offline'

),

-- each compared run scored on the cascade's own gold texts (category items)
comparison_scores as (

    select
        matches.cascade_eval_key,
        matches.comparison,
        max(matches.run_eval_key) as run_eval_key,
        count(*) as category_items,
        sum(case when run_pairs.is_category_correct then 1 else 0 end) as category_correct
    from matches
    inner join cascade_pairs
        on matches.cascade_eval_key = cascade_pairs.eval_key
    inner join pairs as run_pairs
        on
            matches.run_eval_key = run_pairs.eval_key
            and cascade_pairs.feedback_id = run_pairs.feedback_id
    where cascade_pairs.gold_category is not null
    group by matches.cascade_eval_key, matches.comparison

),

comparisons as (

    select
        cascade_eval_key,
        max(case when comparison = 'llm_only' then run_eval_key end) as llm_only_eval_key,
        max(case when comparison = 'llm_only' then category_items end) as llm_only_items,
        max(
            case when comparison = 'llm_only' then category_correct end
        ) as llm_only_correct,
        max(
            case when comparison = 'offline_only' then run_eval_key end
        ) as offline_only_eval_key,
        max(
            case when comparison = 'offline_only' then category_items end
        ) as offline_only_items,
        max(
            case when comparison = 'offline_only' then category_correct end
        ) as offline_only_correct
    from comparison_scores
    group by cascade_eval_key

),

scored as (

    select
        cascades.eval_key,
        cascades.taxonomy_version,
        cascades.model,
        cascades.prompt_version,
        identities.local_model,
        cascades.evaluated_items,
        cascades.local_items,
        cascades.llm_items,
        cascades.category_items,
        cast(cascades.category_correct as double)
        / nullif(cascades.category_items, 0) as cascade_accuracy,
        cast(cascades.local_category_correct as double)
        / nullif(cascades.local_category_items, 0) as local_accuracy,
        cast(cascades.llm_category_correct as double)
        / nullif(cascades.llm_category_items, 0) as llm_accuracy,
        comparisons.llm_only_eval_key,
        coalesce(comparisons.llm_only_items, 0) as llm_only_items,
        cast(comparisons.llm_only_correct as double)
        / nullif(comparisons.llm_only_items, 0) as llm_only_accuracy,
        comparisons.offline_only_eval_key,
        coalesce(comparisons.offline_only_items, 0) as offline_only_items,
        cast(comparisons.offline_only_correct as double)
        / nullif(comparisons.offline_only_items, 0) as offline_only_accuracy
    from cascades
    inner join identities
        on cascades.eval_key = identities.eval_key
    left join comparisons
        on cascades.eval_key = comparisons.cascade_eval_key

),

final as (

    select
        cast(eval_key as string) as eval_key,
        cast(taxonomy_version as string) as taxonomy_version,
        cast(model as string) as model,
        cast(prompt_version as string) as prompt_version,
        cast(local_model as string) as local_model,
        cast(evaluated_items as bigint) as evaluated_items,
        cast(local_items as bigint) as local_items,
        cast(llm_items as bigint) as llm_items,
        cast(cast(local_items as double) / evaluated_items as double) as calls_saved_share,
        cast(category_items as bigint) as category_items,
        cast(cascade_accuracy as double) as cascade_accuracy,
        cast(local_accuracy as double) as local_accuracy,
        cast(llm_accuracy as double) as llm_accuracy,
        cast(llm_only_eval_key as string) as llm_only_eval_key,
        cast(llm_only_items as bigint) as llm_only_items,
        cast(llm_only_accuracy as double) as llm_only_accuracy,
        cast(offline_only_eval_key as string) as offline_only_eval_key,
        cast(offline_only_items as bigint) as offline_only_items,
        cast(offline_only_accuracy as double) as offline_only_accuracy,
        -- only against an LLM-only run over every one of the cascade's gold texts
        cast(
            case
                when
                    llm_only_items = category_items
                    and llm_only_accuracy > 0
                    then cascade_accuracy / llm_only_accuracy
            end as double
        ) as accuracy_kept
    from scored

)

select * from final
