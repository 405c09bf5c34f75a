-- Events worth interrupting someone for, one row per alert with a stable alert_id (the
-- same event keeps its id on every run, so `feedback alerts send` sends it once):
-- * rising_issue: an issue of rpt_rising_issues past its volume and significance
--   thresholds this week (id: issue + calendar week of the reporting date, so a daily
--   run does not re-alert the same rise, and a rise still going next week alerts again);
--   never from an empty baseline (no observed week before this one), and the message
--   says when fewer than `rising_baseline_weeks` baseline weeks were observed;
-- * critical_item: a feedback record of this week with critical urgency, or a priority
--   score of at least `alert_min_priority_score` (id: feedback record).
-- Texts are the masked ones: alerts leave the warehouse.
with

rising as (

    select * from {{ ref('rpt_rising_issues') }}
    where
        is_rising
        and baseline_weeks_observed > 0

),

feedback as (

    select * from {{ ref('fct_feedback_reporting') }}

),

teams as (

    select * from {{ ref('owner_teams') }}

),

categories as (

    select * from {{ ref('taxonomy_categories') }}
    where taxonomy_version = {{ taxonomy_version_in_force() }}

),

calendar as (

    select
        max(week_start_date) as week_start_date,
        cast({{ dbt.date_trunc('week', 'max(created_date)') }} as date) as alert_week_date
    from feedback

),

rising_alerts as (

    select
        {{ dbt.hash(dbt.concat([
            "'rising_issue|'", "rising.issue_key", "'|'",
            dbt.safe_cast("calendar.alert_week_date", dbt.type_string())
        ])) }} as alert_id,
        'rising_issue' as alert_type,
        case when rising.z_score >= 2 * {{ var('rising_min_z') }} then 'critical' else 'high' end
            as severity,
        {{ dbt.concat([
            "'Rising issue: '", "rising.issue_key", "' ('",
            dbt.safe_cast("rising.count_this_week", dbt.type_string()),
            "' this week, z='", dbt.safe_cast("rising.z_score", dbt.type_string()), "')'"
        ]) }} as title,
        {{ dbt.concat([
            "rising.main_category", "' for '",
            "case when rising.issue_level = 'sku' then 'product ' else '' end",
            "rising.subject", "': '",
            dbt.safe_cast("rising.count_this_week", dbt.type_string()),
            "' items this week against a baseline of '",
            dbt.safe_cast("rising.baseline_weekly_mean", dbt.type_string()),
            "' a week (z='", dbt.safe_cast("rising.z_score", dbt.type_string()), "')'",
            "case when rising.has_short_history then "
            ~ dbt.concat([
                "'; short history: '",
                dbt.safe_cast("rising.baseline_weeks_observed", dbt.type_string()),
                "' of " ~ var('rising_baseline_weeks') ~ " baseline weeks observed'"
            ])
            ~ " else '' end",
            "'.'"
        ]) }} as message,
        rising.main_category,
        categories.owner_team,
        rising.issue_key,
        rising.subject,
        case when rising.issue_level = 'sku' then rising.subject end as product_sku,
        case
            when rising.issue_level = 'app_version'
                then {{ dbt.replace('rising.subject', "'app '", "''") }}
        end as app_version,
        cast(null as {{ dbt.type_string() }}) as feedback_id,
        cast(rising.count_this_week as double) as metric_value,
        cast(rising.baseline_weekly_mean as double) as baseline_value,
        rising.z_score,
        calendar.week_start_date
    from rising
    cross join calendar
    left join categories
        on rising.main_category = categories.category_id

),

critical_items as (

    select
        {{ dbt.hash(dbt.concat(["'critical_item|'", "feedback.feedback_id"])) }} as alert_id,
        'critical_item' as alert_type,
        case when feedback.urgency = 'critical' then 'critical' else 'high' end as severity,
        {{ dbt.concat([
            "'Critical feedback: '", "feedback.main_category", "' ('", "feedback.source",
            "', priority '", dbt.safe_cast("feedback.priority_score", dbt.type_string()), "')'"
        ]) }} as title,
        substring(coalesce(feedback.short_summary, feedback.masked_text), 1, 500) as message,
        feedback.main_category,
        feedback.suggested_owner as owner_team,
        cast(null as {{ dbt.type_string() }}) as issue_key,
        feedback.feedback_id as subject,
        feedback.product_sku,
        feedback.app_version,
        feedback.feedback_id,
        cast(feedback.priority_score as double) as metric_value,
        cast(null as double) as baseline_value,
        cast(null as double) as z_score,
        feedback.week_start_date
    from feedback
    where
        feedback.weeks_before_as_of = 0
        and not feedback.is_spam
        and not feedback.is_empty
        and feedback.main_category != 'praise'
        and (
            feedback.urgency = 'critical'
            or feedback.priority_score >= {{ var('alert_min_priority_score') }}
        )

),

unioned as (

    select * from rising_alerts
    union all
    select * from critical_items

),

final as (

    select
        cast(unioned.alert_id as string) as alert_id,
        cast(unioned.alert_type as string) as alert_type,
        cast(unioned.severity as string) as severity,
        cast(unioned.title as string) as title,
        cast(unioned.message as string) as message,
        cast(unioned.main_category as string) as main_category,
        cast(unioned.owner_team as string) as owner_team,
        cast(teams.channel as string) as team_channel,
        cast(unioned.issue_key as string) as issue_key,
        cast(unioned.subject as string) as subject,
        cast(unioned.product_sku as string) as product_sku,
        cast(unioned.app_version as string) as app_version,
        cast(unioned.feedback_id as string) as feedback_id,
        cast(unioned.metric_value as double) as metric_value,
        cast(unioned.baseline_value as double) as baseline_value,
        cast(unioned.z_score as double) as z_score,
        cast(unioned.week_start_date as date) as week_start_date
    from unioned
    left join teams
        on unioned.owner_team = teams.owner_team

)

select * from final
