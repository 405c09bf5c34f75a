-- How well `confidence` predicts a correct category: items per confidence bin (equal
-- width, var eval_calibration_bins), their mean confidence and their accuracy. The
-- expected calibration error (ECE) in rpt_eval_summary is the item-weighted mean gap.
{%- set bins = var('eval_calibration_bins') %}
with

pairs as (

    select * from {{ ref('int_eval__pairs') }}
    where gold_category is not null

),

binned as (

    select
        *,
        {{ feedback_lakehouse.confidence_bin('confidence') }} as bin_index
    from pairs

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "eval_key", "'|'", dbt.safe_cast("bin_index", dbt.type_string())
        ])) }} as calibration_key,
        cast(eval_key as string) as eval_key,
        cast(max(provider) as string) as provider,
        cast(max(model) as string) as model,
        cast(max(prompt_version) as string) as prompt_version,
        cast(max(taxonomy_version) as string) as taxonomy_version,
        cast(bin_index as int) as bin_index,
        cast(1.0 * bin_index / {{ bins }} as double) as bin_lower,
        cast(1.0 * (bin_index + 1) / {{ bins }} as double) as bin_upper,
        cast(count(*) as bigint) as items,
        cast(avg(confidence) as double) as mean_confidence,
        cast(avg(case when is_category_correct then 1.0 else 0.0 end) as double) as accuracy,
        cast(
            abs(avg(case when is_category_correct then 1.0 else 0.0 end) - avg(confidence))
            as double
        ) as calibration_gap
    from binned
    group by eval_key, bin_index

)

select * from final
