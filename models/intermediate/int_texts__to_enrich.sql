-- One row per distinct text worth sending to a model: empty texts and spam are not sent.
-- Texts that normalise alike share one enrichment; the earliest record's wording is sent.
--
-- Incremental: a text is enriched once per hash, so a run adds only the hashes it has not
-- seen. A hash already here keeps its first wording even if an older record with another
-- wording arrives later, and stays here when its last record changes text (it is
-- enriched already; fct_feedback joins labels by the records' current hashes).
--
-- source: the source of the record whose wording is sent. The offline provider's
-- self-trained sentiment weighs each source's pseudo-labels alike (a source of mostly
-- praise would otherwise teach that its own words are praise). A warehouse built before
-- the column gets it added, null on its stored rows (on_schema_change).
{#- a plain table on the local Spark smoke test: its parquet tables have no MERGE #}
{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    unique_key='text_hash',
    incremental_strategy=('merge' if target.type == 'databricks' else 'delete+insert'),
    on_schema_change='append_new_columns',
) }}

with

cleaned as (

    select * from {{ ref('int_feedback__cleaned') }}

),

languages as (

    select * from {{ ref('int_texts__languages') }}

),

feedback as (

    -- the cleaned records, not the canonical view: this model needs no customer data,
    -- and reading the view cost a full join of every record on each daily run
    select
        cleaned.feedback_id,
        cleaned.source,
        cleaned.text_hash,
        cleaned.masked_text,
        cleaned.is_empty,
        cleaned.is_spam,
        cleaned.created_at,
        languages.language
    from cleaned
    left join languages
        on cleaned.text_hash = languages.text_hash
    {%- if feedback_lakehouse.incremental_run() %}
    where not exists (
        select 1 from {{ this }} as known
        where known.text_hash = cleaned.text_hash
    )
    {%- endif %}

),

ranked as (

    select
        text_hash,
        masked_text,
        language,
        source,
        row_number() over (
            partition by text_hash
            order by created_at, feedback_id
        ) as text_rank
    from feedback
    where
        not is_empty
        and not is_spam

),

final as (

    select
        text_hash,
        masked_text as text,
        language,
        source
    from ranked
    where text_rank = 1

)

select * from final
