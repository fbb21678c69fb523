{{ config(meta={'dagster': {'ref': {'name': 'weekly_summary'}}}) }}
-- Fails with each week whose summary differs from the sum of channel_weekly's rows of that week
-- over every channel but outbound (a week missing on either side always shows).
-- An incremental run checks the weeks it rewrote; a full refresh checks every week
-- (restated_rows_only, dbt_project/macros/tests/restated_rows_only.sql).
with inbound_weeks as (

    select
        week_start,
        sum(case when channel <> 'outbound' then calls else 0 end) as calls,
        sum(case when channel <> 'outbound' then answered_calls else 0 end) as answered_calls,
        sum(case when channel <> 'outbound' then missed_calls else 0 end) as missed_calls,
        sum(case when channel <> 'outbound' then short_calls else 0 end) as short_calls,
        sum(case when channel <> 'outbound' then quality_calls else 0 end) as quality_calls,
        sum(case when channel <> 'outbound' then application_calls else 0 end) as application_calls,
        sum(case when channel <> 'outbound' then leads else 0 end) as leads,
        sum(case when channel <> 'outbound' then applications else 0 end) as applications,
        sum(case when channel <> 'outbound' then won_applications else 0 end) as won_applications,
        sum(case when channel <> 'outbound' then meetings else 0 end) as meetings,
        sum(case when channel <> 'outbound' then deals else 0 end) as deals,
        sum(case when channel <> 'outbound' then revenue_rub else 0 end) as revenue_rub,
        sum(case when channel <> 'outbound' then deals_won else 0 end) as deals_won,
        sum(case when channel <> 'outbound' then revenue_won_rub else 0 end) as revenue_won_rub,
        sum(case when channel <> 'outbound' then spend_rub else 0 end) as spend_rub,
        sum(case when channel = 'unattributed' then calls else 0 end) as unattributed_calls
    from {{ ref('channel_weekly') }}
    where {{ restated_rows_only('week_start') }}
    group by week_start

),

summary as (

    select * from {{ ref('weekly_summary') }}
    where {{ restated_rows_only('week_start') }}

),

compared as (

    select
        coalesce(inbound_weeks.week_start, summary.week_start) as week_start,
        coalesce(inbound_weeks.calls, -1) - coalesce(summary.calls, -2)
            as calls_diff,
        coalesce(inbound_weeks.answered_calls, -1) - coalesce(summary.answered_calls, -2)
            as answered_calls_diff,
        coalesce(inbound_weeks.missed_calls, -1) - coalesce(summary.missed_calls, -2)
            as missed_calls_diff,
        coalesce(inbound_weeks.short_calls, -1) - coalesce(summary.short_calls, -2)
            as short_calls_diff,
        coalesce(inbound_weeks.quality_calls, -1) - coalesce(summary.quality_calls, -2)
            as quality_calls_diff,
        coalesce(inbound_weeks.application_calls, -1) - coalesce(summary.application_calls, -2)
            as application_calls_diff,
        coalesce(inbound_weeks.leads, -1) - coalesce(summary.leads, -2)
            as leads_diff,
        coalesce(inbound_weeks.applications, -1) - coalesce(summary.applications, -2)
            as applications_diff,
        coalesce(inbound_weeks.won_applications, -1) - coalesce(summary.won_applications, -2)
            as won_applications_diff,
        coalesce(inbound_weeks.meetings, -1) - coalesce(summary.meetings, -2)
            as meetings_diff,
        coalesce(inbound_weeks.deals, -1) - coalesce(summary.deals, -2)
            as deals_diff,
        coalesce(inbound_weeks.revenue_rub, -1) - coalesce(summary.revenue_rub, -2)
            as revenue_rub_diff,
        coalesce(inbound_weeks.deals_won, -1) - coalesce(summary.deals_won, -2)
            as deals_won_diff,
        coalesce(inbound_weeks.revenue_won_rub, -1) - coalesce(summary.revenue_won_rub, -2)
            as revenue_won_rub_diff,
        coalesce(inbound_weeks.spend_rub, -1) - coalesce(summary.spend_rub, -2)
            as spend_rub_diff,
        coalesce(inbound_weeks.unattributed_calls, -1) - coalesce(summary.unattributed_calls, -2)
            as unattributed_calls_diff
    from inbound_weeks
    full outer join summary
        on inbound_weeks.week_start = summary.week_start

)

select
    week_start,
    calls_diff,
    answered_calls_diff,
    missed_calls_diff,
    short_calls_diff,
    quality_calls_diff,
    application_calls_diff,
    leads_diff,
    applications_diff,
    won_applications_diff,
    meetings_diff,
    deals_diff,
    revenue_rub_diff,
    deals_won_diff,
    revenue_won_rub_diff,
    spend_rub_diff,
    unattributed_calls_diff
from compared
where
    abs(calls_diff) > 0.01
    or abs(answered_calls_diff) > 0.01
    or abs(missed_calls_diff) > 0.01
    or abs(short_calls_diff) > 0.01
    or abs(quality_calls_diff) > 0.01
    or abs(application_calls_diff) > 0.01
    or abs(leads_diff) > 0.01
    or abs(applications_diff) > 0.01
    or abs(won_applications_diff) > 0.01
    or abs(meetings_diff) > 0.01
    or abs(deals_diff) > 0.01
    or abs(revenue_rub_diff) > 0.01
    or abs(deals_won_diff) > 0.01
    or abs(revenue_won_rub_diff) > 0.01
    or abs(spend_rub_diff) > 0.01
    or abs(unattributed_calls_diff) > 0.01
