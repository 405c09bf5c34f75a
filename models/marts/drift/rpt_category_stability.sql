-- Model non-determinism: the share of records whose main category changed between runs
-- with the same taxonomy version, prompt version, provider and model, read from the
-- label snapshot. A deterministic provider (offline) scores 1.0 everywhere; an LLM at
-- temperature > 0 or a silently updated model scores lower. Grouped by the label a
-- record first had under those versions.
with

snapshot as (

    select * from {{ ref('snp_feedback_labels') }}
    where taxonomy_version is not null and prompt_version is not null

),

ordered as (

    select
        feedback_id,
        taxonomy_version,
        prompt_version,
        provider,
        model,
        main_category,
        dbt_valid_from,
        row_number() over (
            partition by feedback_id, taxonomy_version, prompt_version, provider, model
            order by dbt_valid_from
        ) as label_order,
        lag(main_category) over (
            partition by feedback_id, taxonomy_version, prompt_version, provider, model
            order by dbt_valid_from
        ) as previous_main_category
    from snapshot

),

per_record as (

    select
        feedback_id,
        taxonomy_version,
        prompt_version,
        provider,
        model,
        max(case when label_order = 1 then main_category end) as first_main_category,
        max(
            case
                when previous_main_category != main_category then 1
                else 0
            end
        ) as has_changed
    from ordered
    group by feedback_id, taxonomy_version, prompt_version, provider, model

),

final as (

    select
        {{ dbt.concat([
            'taxonomy_version', "':'", 'prompt_version', "':'", 'provider', "':'",
            'model', "':'", 'first_main_category'
        ]) }} as stability_key,
        taxonomy_version,
        prompt_version,
        provider,
        model,
        first_main_category as main_category,
        count(*) as items,
        cast(sum(has_changed) as bigint) as items_changed,
        1.0 - cast(sum(has_changed) as double) / count(*) as stability
    from per_record
    group by taxonomy_version, prompt_version, provider, model, first_main_category

)

select * from final
