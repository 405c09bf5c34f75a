-- The churn cross-tab of every version pair adds up to the number of feedback records:
-- no record is lost or counted twice between taxonomy versions.
with

churn as (

    select * from {{ ref('rpt_label_churn') }}

),

feedback as (

    select count(*) as records from {{ ref('fct_feedback') }}

),

pairs as (

    select
        from_version,
        to_version,
        sum(items) as items,
        max(items_total) as items_total
    from churn
    group by from_version, to_version

)

select
    pairs.from_version,
    pairs.to_version,
    pairs.items,
    pairs.items_total,
    feedback.records
from pairs
cross join feedback
where pairs.items != feedback.records or pairs.items_total != feedback.records
