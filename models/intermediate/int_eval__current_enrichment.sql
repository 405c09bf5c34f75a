-- The enrichment in force, the one the quality gates judge: the provider of var
-- enrichment_provider and the taxonomy version in force, with the model and prompt
-- version of its latest enrichment (as fct_feedback shows the newest labels). Older
-- keys (a zero-shot run before learning, an old prompt) stay in rpt_eval_summary for
-- comparison but are not held to the gates. At most one row.
with

enrichments as (

    select * from {{ feedback_lakehouse.enrichment_relation() }}
    where
        status != 'deferred'
        and provider = '{{ var("enrichment_provider") }}'
        and taxonomy_version = {{ taxonomy_version_in_force() }}

),

ranked as (

    select
        provider,
        model,
        prompt_version,
        taxonomy_version,
        row_number() over (
            order by enriched_at desc, enrichment_key desc
        ) as recency_rank
    from enrichments

),

final as (

    select
        {{ feedback_lakehouse.eval_key() }} as eval_key,
        provider,
        model,
        prompt_version,
        taxonomy_version
    from ranked
    where recency_rank = 1

)

select * from final
