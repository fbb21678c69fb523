{{ config(meta={'dagster': {'ref': {'name': 'channel_weekly'}}}) }}
-- Fails with each week and channel whose lead figures differ from fct_leads': leads,
-- applications and deals in the lead's creation week (cohort), deals won and their revenue in
-- the won week (activity).
-- An incremental run checks the weeks it rewrote; a full refresh checks every week
-- (restated_rows_only, dbt_project/macros/tests/restated_rows_only.sql).
with channel_weeks as (

    select
        week_start,
        channel,
        leads,
        applications,
        won_applications,
        deals,
        revenue_rub,
        deals_won,
        revenue_won_rub
    from {{ ref('channel_weekly') }}
    where {{ restated_rows_only('week_start') }}

),

leads as (

    select * from {{ ref('fct_leads') }}

),

cohort_weeks as (

    select
        week_start,
        channel,
        count(*) as leads,
        sum(case when is_application then 1 else 0 end) as applications,
        sum(case when is_won_application then 1 else 0 end) as won_applications,
        sum(case when is_won then 1 else 0 end) as deals,
        sum(coalesce(revenue_rub, 0)) as revenue_rub
    from leads
    where {{ restated_rows_only('week_start') }}
    group by week_start, channel

),

activity_weeks as (

    select
        won_week_start as week_start,
        channel,
        count(*) as deals_won,
        sum(coalesce(revenue_rub, 0)) as revenue_won_rub
    from leads
    where is_won and {{ restated_rows_only('won_week_start') }}
    group by won_week_start, channel

),

expected as (

    select
        coalesce(cohort_weeks.week_start, activity_weeks.week_start) as week_start,
        coalesce(cohort_weeks.channel, activity_weeks.channel) as channel,
        coalesce(cohort_weeks.leads, 0) as leads,
        coalesce(cohort_weeks.applications, 0) as applications,
        coalesce(cohort_weeks.won_applications, 0) as won_applications,
        coalesce(cohort_weeks.deals, 0) as deals,
        coalesce(cohort_weeks.revenue_rub, 0) as revenue_rub,
        coalesce(activity_weeks.deals_won, 0) as deals_won,
        coalesce(activity_weeks.revenue_won_rub, 0) as revenue_won_rub
    from cohort_weeks
    full outer join activity_weeks
        on
            cohort_weeks.week_start = activity_weeks.week_start
            and cohort_weeks.channel = activity_weeks.channel

),

compared as (

    select
        coalesce(channel_weeks.week_start, expected.week_start) as week_start,
        coalesce(channel_weeks.channel, expected.channel) as channel,
        coalesce(channel_weeks.leads, 0) - coalesce(expected.leads, 0) as leads_diff,
        coalesce(channel_weeks.applications, 0)
        - coalesce(expected.applications, 0) as applications_diff,
        coalesce(channel_weeks.won_applications, 0)
        - coalesce(expected.won_applications, 0) as won_applications_diff,
        coalesce(channel_weeks.deals, 0) - coalesce(expected.deals, 0) as deals_diff,
        coalesce(channel_weeks.revenue_rub, 0)
        - coalesce(expected.revenue_rub, 0) as revenue_diff,
        coalesce(channel_weeks.deals_won, 0) - coalesce(expected.deals_won, 0) as deals_won_diff,
        coalesce(channel_weeks.revenue_won_rub, 0)
        - coalesce(expected.revenue_won_rub, 0) as revenue_won_diff
    from channel_weeks
    full outer join expected
        on
            channel_weeks.week_start = expected.week_start
            and channel_weeks.channel = expected.channel

)

select
    week_start,
    channel,
    leads_diff,
    applications_diff,
    won_applications_diff,
    deals_diff,
    revenue_diff,
    deals_won_diff,
    revenue_won_diff
from compared
where
    leads_diff <> 0
    or applications_diff <> 0
    or won_applications_diff <> 0
    or deals_diff <> 0
    or abs(revenue_diff) > 0.01
    or deals_won_diff <> 0
    or abs(revenue_won_diff) > 0.01
