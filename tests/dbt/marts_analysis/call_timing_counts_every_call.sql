{{ config(meta={'dagster': {'ref': {'name': 'call_timing'}}}) }}
-- Split by weekday and hour, each week and channel still has all its calls, answered calls and
-- application calls.
-- An incremental run checks the weeks it rewrote; a full refresh checks every week
-- (restated_rows_only, dbt_project/macros/tests/restated_rows_only.sql).
with timing as (

    select * from {{ ref('call_timing') }}
    where {{ restated_rows_only('week_start') }}

),

calls as (

    select * from {{ ref('fct_calls') }}
    where {{ restated_rows_only('week_start') }}

),

timing_totals as (

    select
        week_start,
        channel,
        sum(calls) as calls,
        sum(answered_calls) as answered_calls,
        sum(application_calls) as application_calls
    from timing
    group by week_start, channel

),

call_totals as (

    select
        week_start,
        channel,
        count(*) as calls,
        count(case when is_answered then 1 end) as answered_calls,
        count(
            case when direction = 'inbound' and is_application_call then 1 end
        ) as application_calls
    from calls
    group by week_start, channel

)

select
    timing_totals.calls as timing_calls,
    call_totals.calls,
    timing_totals.answered_calls as timing_answered_calls,
    call_totals.answered_calls,
    timing_totals.application_calls as timing_application_calls,
    call_totals.application_calls,
    coalesce(timing_totals.week_start, call_totals.week_start) as week_start,
    coalesce(timing_totals.channel, call_totals.channel) as channel
from timing_totals
full outer join call_totals
    on
        timing_totals.week_start = call_totals.week_start
        and timing_totals.channel = call_totals.channel
where
    coalesce(timing_totals.calls, -1) <> coalesce(call_totals.calls, -1)
    or coalesce(timing_totals.answered_calls, -1) <> coalesce(call_totals.answered_calls, -1)
    or coalesce(timing_totals.application_calls, -1)
    <> coalesce(call_totals.application_calls, -1)
