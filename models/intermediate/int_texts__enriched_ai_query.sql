-- Enrichment by Databricks model serving: SQL ai_query() with the enrichment contract
-- as its response format, for teams that serve their own models. Enabled only with
-- `--vars '{enrichment_provider: ai_query}'` on the databricks target; it then takes
-- the place of the Python model int_texts__enriched (same columns, same keys).
-- failOnError => false: a row whose call fails gets status `failed` with the endpoint's
-- error; an answer that is not valid JSON of the schema is `failed` too; a category
-- outside the taxonomy version in force becomes `unknown`. Like every provider it records
-- evidence only: an answer is stored `ok` with review_signals (model_flagged: the
-- model's own needs_review; label_coerced: the category was mapped to unknown), and
-- int_feedback__status decides the status (one threshold, var
-- review_confidence_threshold).
{{ config(
    enabled=(var('enrichment_provider') == 'ai_query' and target.type == 'databricks'),
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='enrichment_key',
    on_schema_change='append_new_columns',
    liquid_clustered_by=['taxonomy_version', 'text_hash'],
) }}
{%- set endpoint = var('ai_query_endpoint') %}
{%- set prompt_name = 'ai_query_v1' %}
{%- set instructions -%}
You label customer feedback. Answer with JSON only, following the response schema.
Choose main_category and up to three secondary_categories from the categories below
(ids only). If no category fits or the text is unclear, do not guess: use "unknown"
and set needs_review to true. sentiment: positive, neutral, negative or mixed;
urgency: low, medium, high or critical; confidence between 0 and 1.
Categories:
{%- endset %}
{%- set response_format -%}
{"type": "json_schema", "json_schema": {"name": "enrichment", "strict": true, "schema": {"type": "object", "additionalProperties": false, "required": ["main_category", "secondary_categories", "sentiment", "sentiment_intensity", "urgency", "root_cause_guess", "suggested_owner", "short_summary", "rationale", "confidence", "needs_review", "language"], "properties": {"main_category": {"type": "string"}, "secondary_categories": {"type": "array", "items": {"type": "string"}}, "sentiment": {"type": "string", "enum": ["positive", "neutral", "negative", "mixed"]}, "sentiment_intensity": {"type": "number"}, "urgency": {"type": "string", "enum": ["low", "medium", "high", "critical"]}, "root_cause_guess": {"type": "string"}, "suggested_owner": {"type": "string"}, "short_summary": {"type": "string"}, "rationale": {"type": "string"}, "confidence": {"type": "number"}, "needs_review": {"type": "boolean"}, "language": {"type": "string"}}}}}
{%- endset %}

with

texts as (

    select * from {{ ref('int_texts__to_enrich') }}

),

categories as (

    select * from {{ ref('taxonomy_categories') }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

category_lines as (

    select
        array_join(
            array_sort(collect_list(concat('- ', category_id, ': ', description))),
            '\n'
        ) as lines
    from categories

),

prompt as (

    select
        {{ taxonomy_version_in_force() }} as taxonomy_version,
        concat(
            '{{ instructions | replace("'", "\\'") }}',
            '\n',
            category_lines.lines
        ) as system_prompt
    from category_lines

),

keyed as (

    select
        texts.text_hash,
        texts.text,
        texts.language as detected_language,
        prompt.taxonomy_version,
        prompt.system_prompt,
        concat(
            '{{ prompt_name }}:',
            substr(sha2(prompt.system_prompt, 256), 1, 12)
        ) as prompt_version
    from texts
    cross join prompt

),

pending as (

    select
        keyed.*,
        substr(
            sha2(
                concat_ws(
                    char(31),
                    keyed.text_hash,
                    keyed.taxonomy_version,
                    keyed.prompt_version,
                    'ai_query',
                    '{{ endpoint }}'
                ),
                256
            ),
            1,
            32
        ) as enrichment_key
    from keyed

),

todo as (

    select pending.*
    from pending
    {% if feedback_lakehouse.incremental_run() %}
        left anti join (
            select enrichment_key from {{ this }}
            where status != 'deferred'
        ) as done
            on pending.enrichment_key = done.enrichment_key
    {% endif %}

),

answered as (

    select
        todo.*,
        ai_query(
            '{{ endpoint }}',
            concat(todo.system_prompt, '\n\nText:\n', todo.text),
            responseFormat => '{{ response_format }}',
            failOnError => false
        ) as response,
        current_timestamp() as enriched_at
    from todo

),

parsed as (

    select
        answered.*,
        from_json(
            answered.response.result,
            'main_category string, secondary_categories array<string>, sentiment string,
            sentiment_intensity double, urgency string, root_cause_guess string,
            suggested_owner string, short_summary string, rationale string,
            confidence double, needs_review boolean, language string'
        ) as answer
    from answered

),

validated as (

    select
        parsed.*,
        parsed.response.errormessage as call_error,
        parsed.answer.main_category is null
        or parsed.answer.sentiment not in ('positive', 'neutral', 'negative', 'mixed')
        or parsed.answer.urgency not in ('low', 'medium', 'high', 'critical')
        or parsed.answer.confidence is null
        or parsed.answer.confidence not between 0 and 1 as is_malformed,
        lower(trim(parsed.answer.main_category)) = 'unknown'
        or categories.category_id is not null as is_known_category,
        categories.owner_team
    from parsed
    left join categories
        on lower(trim(parsed.answer.main_category)) = categories.category_id

),

final as (

    select
        enrichment_key,
        text_hash,
        case
            when call_error is not null or is_malformed then null
            when is_known_category then lower(trim(answer.main_category))
            else 'unknown'
        end as main_category,
        case
            when call_error is null and not is_malformed
                then nullif(array_join(slice(answer.secondary_categories, 1, 3), ','), '')
        end as secondary_categories,
        case when call_error is null and not is_malformed then answer.sentiment end
            as sentiment,
        case when call_error is null and not is_malformed then answer.sentiment_intensity end
            as sentiment_intensity,
        case when call_error is null and not is_malformed then answer.urgency end as urgency,
        case when call_error is null and not is_malformed then answer.root_cause_guess end
            as root_cause_guess,
        case when call_error is null and not is_malformed then owner_team end
            as suggested_owner,
        case when call_error is null and not is_malformed then answer.short_summary end
            as short_summary,
        case when call_error is null and not is_malformed then answer.rationale end
            as rationale,
        case when call_error is null and not is_malformed then answer.confidence end
            as confidence,
        case
            when call_error is null and not is_malformed
                then coalesce(answer.needs_review, true)
        end as needs_review,
        coalesce(answer.language, detected_language) as language,
        case
            when call_error is null and not is_malformed
                then nullif(concat_ws(
                    ',',
                    case when coalesce(answer.needs_review, true) then 'model_flagged' end,
                    case when not is_known_category then 'label_coerced' end
                ), '')
        end as review_signals,
        -- no per-category sentiment from ai_query yet (its prompt and schema do not ask
        -- for it): null, and fct_feedback_category_sentiments gives the main category
        -- the overall sentiment and leaves the secondary ones out (README "Aspect
        -- sentiment")
        cast(null as string) as category_sentiments,
        taxonomy_version,
        prompt_version,
        'ai_query' as provider,
        '{{ endpoint }}' as model,
        enriched_at,
        case
            when call_error is not null or is_malformed then 'failed'
            else 'ok'
        end as status,
        case
            when call_error is not null then call_error
            when is_malformed then 'the answer is not valid JSON of the enrichment schema'
            when not is_known_category
                then concat('category outside the taxonomy: ', answer.main_category)
        end as error,
        cast(0 as bigint) as prompt_tokens,
        cast(0 as bigint) as completion_tokens,
        cast(0 as double) as latency_ms,
        cast(0 as double) as cost_usd
    from validated

)

select * from final
