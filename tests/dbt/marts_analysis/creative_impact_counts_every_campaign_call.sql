{{ config(meta={'dagster': {'ref': {'name': 'creative_impact'}}}) }}
-- Every inbound call of a campaign that has ad cost rows lands in exactly one of its periods,
-- and the periods of a campaign follow each other without gaps in their numbering.
-- Reads every week on every run: a campaign's periods span any number of weeks.
with periods as (

    select * from {{ ref('creative_impact') }}

),

calls as (

    select * from {{ ref('fct_calls') }}

),

period_totals as (

    select
        channel,
        campaign,
        sum(calls) as calls,
        count(*) as periods,
        max(period_number) as last_period_number
    from periods
    group by channel, campaign

),

campaign_calls as (

    select
        calls.channel,
        calls.campaign,
        count(*) as calls
    from calls
    inner join period_totals
        on
            calls.channel = period_totals.channel
            and calls.campaign = period_totals.campaign
    where calls.direction = 'inbound'
    group by calls.channel, calls.campaign

)

select
    period_totals.channel,
    period_totals.campaign,
    period_totals.calls as period_calls,
    campaign_calls.calls as campaign_calls,
    period_totals.periods,
    period_totals.last_period_number
from period_totals
left join campaign_calls
    on
        period_totals.channel = campaign_calls.channel
        and period_totals.campaign = campaign_calls.campaign
where
    period_totals.calls <> coalesce(campaign_calls.calls, 0)
    or period_totals.periods <> period_totals.last_period_number
