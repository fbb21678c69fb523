{{ config(meta={'dagster': {'ref': {'name': 'channel_quarterly'}}}) }}
-- Fails with each channel whose quarterly totals differ from its weekly totals: splitting weeks
-- by day into quarters neither loses nor duplicates anything.
-- Reads every week on every run: it adds up each channel's quarters and weeks over all history.
with weekly_totals as (

    select
        channel,
        sum(calls) as calls,
        sum(answered_calls) as answered_calls,
        sum(missed_calls) as missed_calls,
        sum(quality_calls) as quality_calls,
        sum(application_calls) as application_calls,
        sum(leads) as leads,
        sum(applications) as applications,
        sum(won_applications) as won_applications,
        sum(deals) as deals,
        sum(revenue_rub) as revenue_rub,
        sum(deals_won) as deals_won,
        sum(revenue_won_rub) as revenue_won_rub,
        sum(spend_rub) as spend_rub,
        sum(impressions) as impressions,
        sum(reach) as reach,
        sum(answered_talk_seconds) as answered_talk_seconds
    from {{ ref('channel_weekly') }}
    group by channel

),

quarterly_totals as (

    select
        channel,
        sum(calls) as calls,
        sum(answered_calls) as answered_calls,
        sum(missed_calls) as missed_calls,
        sum(quality_calls) as quality_calls,
        sum(application_calls) as application_calls,
        sum(leads) as leads,
        sum(applications) as applications,
        sum(won_applications) as won_applications,
        sum(deals) as deals,
        sum(revenue_rub) as revenue_rub,
        sum(deals_won) as deals_won,
        sum(revenue_won_rub) as revenue_won_rub,
        sum(spend_rub) as spend_rub,
        sum(impressions) as impressions,
        sum(reach) as reach,
        sum(answered_talk_seconds) as answered_talk_seconds
    from {{ ref('channel_quarterly') }}
    group by channel

),

compared as (

    select
        coalesce(weeks.channel, quarters.channel) as channel,
        coalesce(weeks.calls, 0) - coalesce(quarters.calls, 0)
            as calls_diff,
        coalesce(weeks.answered_calls, 0) - coalesce(quarters.answered_calls, 0)
            as answered_calls_diff,
        coalesce(weeks.missed_calls, 0) - coalesce(quarters.missed_calls, 0)
            as missed_calls_diff,
        coalesce(weeks.quality_calls, 0) - coalesce(quarters.quality_calls, 0)
            as quality_calls_diff,
        coalesce(weeks.application_calls, 0) - coalesce(quarters.application_calls, 0)
            as application_calls_diff,
        coalesce(weeks.leads, 0) - coalesce(quarters.leads, 0)
            as leads_diff,
        coalesce(weeks.applications, 0) - coalesce(quarters.applications, 0)
            as applications_diff,
        coalesce(weeks.won_applications, 0) - coalesce(quarters.won_applications, 0)
            as won_applications_diff,
        coalesce(weeks.deals, 0) - coalesce(quarters.deals, 0)
            as deals_diff,
        coalesce(weeks.revenue_rub, 0) - coalesce(quarters.revenue_rub, 0)
            as revenue_rub_diff,
        coalesce(weeks.deals_won, 0) - coalesce(quarters.deals_won, 0)
            as deals_won_diff,
        coalesce(weeks.revenue_won_rub, 0) - coalesce(quarters.revenue_won_rub, 0)
            as revenue_won_rub_diff,
        coalesce(weeks.spend_rub, 0) - coalesce(quarters.spend_rub, 0)
            as spend_rub_diff,
        coalesce(weeks.impressions, 0) - coalesce(quarters.impressions, 0)
            as impressions_diff,
        coalesce(weeks.reach, 0) - coalesce(quarters.reach, 0)
            as reach_diff,
        coalesce(weeks.answered_talk_seconds, 0) - coalesce(quarters.answered_talk_seconds, 0)
            as answered_talk_seconds_diff
    from weekly_totals as weeks
    full outer join quarterly_totals as quarters
        on weeks.channel = quarters.channel

)

select
    channel,
    calls_diff,
    answered_calls_diff,
    missed_calls_diff,
    quality_calls_diff,
    application_calls_diff,
    leads_diff,
    applications_diff,
    won_applications_diff,
    deals_diff,
    revenue_rub_diff,
    deals_won_diff,
    revenue_won_rub_diff,
    spend_rub_diff,
    impressions_diff,
    reach_diff,
    answered_talk_seconds_diff
from compared
where
    abs(calls_diff) > 0.01
    or abs(answered_calls_diff) > 0.01
    or abs(missed_calls_diff) > 0.01
    or abs(quality_calls_diff) > 0.01
    or abs(application_calls_diff) > 0.01
    or abs(leads_diff) > 0.01
    or abs(applications_diff) > 0.01
    or abs(won_applications_diff) > 0.01
    or abs(deals_diff) > 0.01
    or abs(revenue_rub_diff) > 0.01
    or abs(deals_won_diff) > 0.01
    or abs(revenue_won_rub_diff) > 0.01
    or abs(spend_rub_diff) > 0.01
    or abs(impressions_diff) > 0.01
    or abs(reach_diff) > 0.01
    or abs(answered_talk_seconds_diff) > 0.01
