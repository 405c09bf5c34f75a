-- Retryable failures (rate limits, HTTP 5xx, timeouts, connection errors) of the latest
-- run's provider, model, prompt and taxonomy version: one row when their share of those
-- texts is above var llm_retryable_warn_share, so the build warns with the measured
-- count (fail_calc) and share. To resume: run dbt build again once the endpoint is
-- healthy; it sends only those texts again (up to var llm_max_run_attempts runs).
{{ config(
    severity='warn',
    fail_calc='coalesce(sum(retryable_failed), 0)',
    enabled=var('enrichment_provider') != 'ai_query',
) }}

with

enriched as (

    select * from {{ ref('int_texts__enriched') }}

),

latest as (

    select max(enriched_at) as enriched_at
    from enriched

),

latest_run as (

    select distinct
        enriched.provider,
        enriched.model,
        enriched.taxonomy_version,
        enriched.prompt_version
    from enriched
    inner join latest
        on enriched.enriched_at = latest.enriched_at

),

shares as (

    select
        enriched.provider,
        enriched.model,
        enriched.taxonomy_version,
        enriched.prompt_version,
        count(*) as texts,
        sum(
            case
                when
                    enriched.status = 'failed'
                    and enriched.failure_kind = 'retryable'
                    then 1
                else 0
            end
        ) as retryable_failed
    from enriched
    inner join latest_run
        on
            enriched.provider = latest_run.provider
            and enriched.model = latest_run.model
            and enriched.taxonomy_version = latest_run.taxonomy_version
            and enriched.prompt_version = latest_run.prompt_version
    group by
        enriched.provider,
        enriched.model,
        enriched.taxonomy_version,
        enriched.prompt_version

),

final as (

    select
        provider,
        model,
        taxonomy_version,
        prompt_version,
        texts,
        retryable_failed,
        cast(retryable_failed as double) / texts as retryable_share,
        cast({{ var('llm_retryable_warn_share') }} as double) as threshold,
        'run dbt build again once the endpoint is healthy: it sends these texts again'
            as how_to_resume
    from shares
    where
        cast(retryable_failed as double) / texts
        > cast({{ var('llm_retryable_warn_share') }} as double)

)

select * from final
