{{ config(meta={'dagster': {'ref': {'name': 'channel_weekly'}}}) }}
-- Fails with each week and channel whose spend differs from the known ad cost rows' by more
-- than a kopeck: spend is neither lost nor counted twice.
-- An incremental run checks the weeks it rewrote; a full refresh checks every week
-- (restated_rows_only, dbt_project/macros/tests/restated_rows_only.sql).
with channel_weeks as (

    select
        week_start,
        channel,
        spend_rub
    from {{ ref('channel_weekly') }}
    where {{ restated_rows_only('week_start') }}

),

costs as (

    select
        week_start,
        channel,
        sum(coalesce(spend_rub, 0)) as spend_rub
    from {{ ref('int_ads__costs_known') }}
    where {{ restated_rows_only('week_start') }}
    group by week_start, channel

),

compared as (

    select
        coalesce(channel_weeks.week_start, costs.week_start) as week_start,
        coalesce(channel_weeks.channel, costs.channel) as channel,
        coalesce(channel_weeks.spend_rub, 0) as mart_spend_rub,
        coalesce(costs.spend_rub, 0) as cost_spend_rub
    from channel_weeks
    full outer join costs
        on
            channel_weeks.week_start = costs.week_start
            and channel_weeks.channel = costs.channel

)

select
    week_start,
    channel,
    mart_spend_rub,
    cost_spend_rub
from compared
where abs(mart_spend_rub - cost_spend_rub) > 0.01
