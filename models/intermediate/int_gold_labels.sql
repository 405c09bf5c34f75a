-- Every human gold label, whatever it came with: the gold landing source and gold labels
-- carried by a custom source's file. One row per feedback record (a landing gold label
-- wins over one from a custom file). category_id is the gold category in the taxonomy
-- version in force: the label itself when its scheme is the taxonomy (or that version),
-- else through the seed gold_label_mapping; null when no mapping says. Labels and
-- schemes match whatever their case and spacing (macro normalize_label on both sides):
-- a mapping written "Customer Service Issue" maps the gold value "customer service issue".
-- Values that map to nothing are counted in rpt_eval_unmapped_gold_labels.
-- A helpdesk ticket's tags are gold too (scheme helpdesk_tags): the first of its tags
-- that the seed gold_label_mapping maps in the taxonomy version in force (tags no
-- mapping names, such as "vip", are not labels). A landing or custom gold label for the
-- same ticket wins. The tags are split in two halves by a hash of the feedback id (even
-- first hex digit of its md5: calibration, else test): the calibration half measures the
-- review threshold (int_eval__confidence_thresholds), the test half reports it.
{%- set tag_literal = dbt.concat([
    "'\"'", feedback_lakehouse.normalize_label('mapping.gold_label'), "'\"'"
]) %}
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

helpdesk_tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}
    where tags is not null

),

mapping as (

    select * from {{ ref('gold_label_mapping') }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

-- one category per label: a label mapped to several (a helpdesk tag covering a taxonomy
-- split) takes the first by id here (macro gold_label_first_category); the evaluation
-- accepts each (macro eval_gold_pairs)
mapping_first as (

    {{ feedback_lakehouse.gold_label_first_category('mapping') }}

),

categories as (

    select * from {{ ref('taxonomy_categories') }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

-- every tag of a ticket that the mapping names, the first in the ticket's list ranked 1
helpdesk_tags as (

    select
        {{ dbt.concat(["'helpdesk:'", "helpdesk_tickets.ticket_id"]) }} as feedback_id,
        {{ feedback_lakehouse.normalize_label('mapping.gold_label') }} as gold_category,
        cast(null as {{ dbt.type_string() }}) as gold_sentiment,
        'helpdesk_tags' as label_scheme,
        case
            when
                substr({{
                    dbt.hash(dbt.concat(["'helpdesk:'", "helpdesk_tickets.ticket_id"]))
                }}, 1, 1) in ('0', '2', '4', '6', '8', 'a', 'c', 'e')
                then 'calibration'
            else 'test'
        end as split,
        row_number() over (
            partition by helpdesk_tickets.ticket_id
            order by
                {{ dbt.position(tag_literal, 'lower(helpdesk_tickets.tags)') }},
                mapping.gold_label
        ) as tag_rank
    from helpdesk_tickets
    inner join mapping
        on
            {{ feedback_lakehouse.normalize_label('mapping.label_scheme') }} = 'helpdesk_tags'
            and {{ dbt.position(tag_literal, 'lower(helpdesk_tickets.tags)') }} > 0

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

    union all

    select
        feedback_id,
        gold_category,
        gold_sentiment,
        label_scheme,
        split,
        3 as source_rank
    from helpdesk_tags
    where tag_rank = 1

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
            else mapping_first.category_id
        end as category_id,
        {{ taxonomy_version_in_force() }} as taxonomy_version
    from ranked
    inner join feedback
        on ranked.feedback_id = feedback.feedback_id
    left join categories as direct
        on
            {{ feedback_lakehouse.normalize_label('ranked.gold_category') }}
            = {{ feedback_lakehouse.normalize_label('direct.category_id') }}
    left join mapping_first
        on
            {{ feedback_lakehouse.normalize_label('ranked.label_scheme') }}
            = mapping_first.label_scheme
            and {{ feedback_lakehouse.normalize_label('ranked.gold_category') }}
            = mapping_first.gold_label
    where ranked.gold_rank = 1

)

select * from final
