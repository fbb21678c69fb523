{{ config(meta={'dagster': {'ref': {'name': 'channel_weekly'}}}) }}
-- Fails with each week and channel whose call counts differ from fct_calls': every call is
-- counted once, in its own week and channel, outbound ones only under `outbound`.
-- An incremental run checks the weeks it rewrote; a full refresh checks every week
-- (restated_rows_only, dbt_project/macros/tests/restated_rows_only.sql).
with channel_weeks as (

    select
        week_start,
        channel,
        calls,
        answered_calls,
        quality_calls,
        application_calls
    from {{ ref('channel_weekly') }}
    where {{ restated_rows_only('week_start') }}

),

calls as (

    select
        week_start,
        channel,
        count(*) as calls,
        sum(case when is_answered then 1 else 0 end) as answered_calls,
        sum(case when is_quality_call then 1 else 0 end) as quality_calls,
        sum(case when is_application_call then 1 else 0 end) as application_calls
    from {{ ref('fct_calls') }}
    where {{ restated_rows_only('week_start') }}
    group by week_start, channel

),

compared as (

    select
        coalesce(channel_weeks.week_start, calls.week_start) as week_start,
        coalesce(channel_weeks.channel, calls.channel) as channel,
        coalesce(channel_weeks.calls, 0) as mart_calls,
        coalesce(calls.calls, 0) as fact_calls,
        coalesce(channel_weeks.answered_calls, 0) as mart_answered_calls,
        coalesce(calls.answered_calls, 0) as fact_answered_calls,
        coalesce(channel_weeks.quality_calls, 0) as mart_quality_calls,
        coalesce(calls.quality_calls, 0) as fact_quality_calls,
        coalesce(channel_weeks.application_calls, 0) as mart_application_calls,
        coalesce(calls.application_calls, 0) as fact_application_calls
    from channel_weeks
    full outer join calls
        on
            channel_weeks.week_start = calls.week_start
            and channel_weeks.channel = calls.channel

)

select
    week_start,
    channel,
    mart_calls,
    fact_calls,
    mart_answered_calls,
    fact_answered_calls,
    mart_quality_calls,
    fact_quality_calls,
    mart_application_calls,
    fact_application_calls
from compared
where
    mart_calls <> fact_calls
    or mart_answered_calls <> fact_answered_calls
    or mart_quality_calls <> fact_quality_calls
    or mart_application_calls <> fact_application_calls
