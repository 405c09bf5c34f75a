-- Every human gold label, whatever it came with: the gold landing source and gold labels
-- carried by a custom source's file. One row per feedback record (a landing gold label
-- wins over one from a custom file). category_id is the gold category in the taxonomy
-- version in force: the label itself when its scheme is the taxonomy (or that version),
-- else through the seed gold_label_mapping; null when no mapping says. Labels and
-- schemes match whatever their case and spacing (macro normalize_label on both sides):
-- a mapping written "Customer Service Issue" maps the gold value "customer service issue".
-- Values that map to nothing are counted in rpt_eval_unmapped_gold_labels.
with

landing_gold as (

    select * from {{ ref('stg_gold__labels') }}

),

custom_feedback as (

    select * from {{ ref('stg_custom__feedback') }}

),

feedback as (

    select * from {{ ref('int_feedback__canonical') }}

),

mapping as (

    select * from {{ ref('gold_label_mapping') }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

categories as (

    select * from {{ ref('taxonomy_categories') }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

unioned as (

    select
        feedback_id,
        gold_category,
        gold_sentiment,
        label_scheme,
        split,
        1 as source_rank
    from landing_gold

    union all

    select
        {{ dbt.concat(["source_name", "':'", "record_id"]) }} as feedback_id,
        gold_category,
        gold_sentiment,
        gold_label_scheme as label_scheme,
        coalesce(split, 'test') as split,
        2 as source_rank
    from custom_feedback
    where gold_category is not null or gold_sentiment is not null

),

ranked as (

    select
        *,
        row_number() over (
            partition by feedback_id
            order by source_rank, label_scheme
        ) as gold_rank
    from unioned

),

final as (

    select
        ranked.feedback_id,
        feedback.text_hash,
        ranked.gold_category,
        ranked.gold_sentiment,
        ranked.label_scheme,
        ranked.split,
        case
            when
                {{ feedback_lakehouse.normalize_label('ranked.label_scheme') }}
                in ('taxonomy', lower({{ taxonomy_version_in_force() }}))
                then direct.category_id
            else mapping.category_id
        end as category_id,
        {{ taxonomy_version_in_force() }} as taxonomy_version
    from ranked
    inner join feedback
        on ranked.feedback_id = feedback.feedback_id
    left join categories as direct
        on
            {{ feedback_lakehouse.normalize_label('ranked.gold_category') }}
            = {{ feedback_lakehouse.normalize_label('direct.category_id') }}
    left join mapping
        on
            {{ feedback_lakehouse.normalize_label('ranked.label_scheme') }}
            = {{ feedback_lakehouse.normalize_label('mapping.label_scheme') }}
            and {{ feedback_lakehouse.normalize_label('ranked.gold_category') }}
            = {{ feedback_lakehouse.normalize_label('mapping.gold_label') }}
    where ranked.gold_rank = 1

)

select * from final
