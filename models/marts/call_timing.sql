{#- Restated by week, as fct_calls is: an incremental run recounts the window's weeks only. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='restatement_window',
        meta={'restated_by': 'week_start'},
        on_schema_change='fail',
    )
}}

with calls as (

    select * from {{ ref('fct_calls') }}
    {{ in_restatement_window('week_start') }}

),

calls_in_business_time as (

    select
        week_start,
        channel,
        direction,
        is_answered,
        is_missed,
        is_quality_call,
        is_application_call,
        {{ to_business_time('started_at') }} as started_at_local
    from calls

),

calls_with_clock as (

    select
        week_start,
        channel,
        {{ iso_weekday('started_at_local') }} as day_of_week,
        {{ hour_of_day('started_at_local') }} as hour_of_day,
        is_answered,
        is_missed,
        is_quality_call,
        -- an application call is an inbound call by definition
        direction = 'inbound' and is_application_call as is_application_call
    from calls_in_business_time

),

timing_counts as (

    select
        week_start,
        channel,
        day_of_week,
        hour_of_day,
        count(*) as calls,
        count(case when is_answered then 1 end) as answered_calls,
        count(case when is_missed then 1 end) as missed_calls,
        count(case when is_quality_call then 1 end) as quality_calls,
        count(case when is_application_call then 1 end) as application_calls
    from calls_with_clock
    group by week_start, channel, day_of_week, hour_of_day

)

select
    week_start,
    channel,
    -- `weekday` and `hour` are the column names the marts' contract promises
    day_of_week as weekday,  -- noqa: RF04
    hour_of_day as hour,  -- noqa: RF04
    cast(calls as {{ dbt.type_int() }}) as calls,
    cast(answered_calls as {{ dbt.type_int() }}) as answered_calls,
    cast(missed_calls as {{ dbt.type_int() }}) as missed_calls,
    cast(quality_calls as {{ dbt.type_int() }}) as quality_calls,
    cast(application_calls as {{ dbt.type_int() }}) as application_calls,
    {{ safe_divide('answered_calls', 'calls') }} as answer_rate,
    {{ safe_divide('application_calls', 'calls') }} as application_rate,
    round({{ wilson_low('application_calls', 'calls') }}, 6) as application_rate_low,
    round({{ wilson_high('application_calls', 'calls') }}, 6) as application_rate_high
from timing_counts
