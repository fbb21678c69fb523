{{
    config(
        materialized='incremental',
        incremental_strategy='restatement_window',
        meta={'restated_by': 'week_start'},
        on_schema_change='fail',
    )
}}

{%- if var('as_of') -%}
    {%- set as_of_utc = "cast('" ~ var('as_of') ~ "' as timestamp)" -%}
{%- else -%}
    {%- set as_of_utc = "cast(" ~ dbt.current_timestamp() ~ " as timestamp)" -%}
{%- endif -%}

with channel_days as (

    -- an incremental run restates the window's weeks only (they start on a Monday)
    select * from {{ ref('int_channel_daily') }}
    {{ in_restatement_window('calendar_date') }}

),

channels as (

    select * from {{ ref('channels') }}

),

run_moment as (

    -- the week of the run's as_of moment (business time) decides which weeks are maturing
    select
        {{ business_date(as_of_utc) }} as as_of_date,
        {{ business_week_start(as_of_utc) }} as as_of_week_start

),

days_in_weeks as (

    select
        {{ week_start('calendar_date') }} as week_start,
        channel_days.*
    from channel_days

),

channel_weeks as (

    select
        week_start,
        channel,
        sum(calls) as calls,
        sum(answered_calls) as answered_calls,
        sum(missed_calls) as missed_calls,
        sum(short_calls) as short_calls,
        sum(quality_calls) as quality_calls,
        sum(first_time_callers) as first_time_callers,
        sum(application_calls) as application_calls,
        sum(leads) as leads,
        sum(applications) as applications,
        sum(won_applications) as won_applications,
        sum(meetings) as meetings,
        sum(deals) as deals,
        sum(revenue_rub) as revenue_rub,
        sum(deals_won) as deals_won,
        sum(revenue_won_rub) as revenue_won_rub,
        sum(spend_rub) as spend_rub,
        sum(impressions) as impressions,
        sum(reach) as reach,
        sum(clicks) as clicks,
        sum(answered_talk_seconds) as answered_talk_seconds,
        sum(answered_won_calls) as answered_won_calls,
        sum(answered_won_talk_seconds) as answered_won_talk_seconds
    from days_in_weeks
    group by week_start, channel

),

weeks_with_status as (

    select
        channel_weeks.*,
        channel_weeks.week_start >= cast({{ dbt.dateadd(
            'week', -1 * var('maturing_weeks'), 'run_moment.as_of_week_start'
        ) }} as date) as is_maturing,
        cast({{ dbt.dateadd('day', 7, 'channel_weeks.week_start') }} as date)
        <= run_moment.as_of_date as is_complete,
        channels.is_paid
    from channel_weeks
    cross join run_moment
    left join channels
        on channel_weeks.channel = channels.channel

),

weeks_with_ratios as (

    select
        week_start,
        channel,
        coalesce(is_paid, false) as is_paid,
        is_maturing,
        is_complete,
        cast(calls as integer) as calls,
        cast(answered_calls as integer) as answered_calls,
        cast(missed_calls as integer) as missed_calls,
        cast(short_calls as integer) as short_calls,
        cast(quality_calls as integer) as quality_calls,
        cast(first_time_callers as integer) as first_time_callers,
        cast(application_calls as integer) as application_calls,
        cast(leads as integer) as leads,
        cast(applications as integer) as applications,
        cast(won_applications as integer) as won_applications,
        cast(meetings as integer) as meetings,
        cast(deals as integer) as deals,
        cast(revenue_rub as {{ dbt.type_numeric() }}) as revenue_rub,
        cast(deals_won as integer) as deals_won,
        cast(revenue_won_rub as {{ dbt.type_numeric() }}) as revenue_won_rub,
        cast(spend_rub as {{ dbt.type_numeric() }}) as spend_rub,
        cast(impressions as bigint) as impressions,
        cast(reach as bigint) as reach,
        cast(clicks as bigint) as clicks,
        cast(answered_talk_seconds as bigint) as answered_talk_seconds,
        cast(answered_won_calls as integer) as answered_won_calls,
        cast(answered_won_talk_seconds as bigint) as answered_won_talk_seconds,
        {{ safe_divide('answered_calls', 'calls') }} as answer_rate,
        {{ safe_divide('quality_calls', 'calls') }} as quality_call_rate,
        {{ safe_divide('application_calls', 'calls') }} as application_rate,
        round({{ wilson_low('application_calls', 'calls') }}, 6) as application_rate_low,
        round({{ wilson_high('application_calls', 'calls') }}, 6) as application_rate_high,
        {{ safe_divide('won_applications', 'applications') }} as deal_rate,
        round({{ wilson_low('won_applications', 'applications') }}, 6) as deal_rate_low,
        round({{ wilson_high('won_applications', 'applications') }}, 6) as deal_rate_high,
        {{ safe_divide('spend_rub', 'calls') }} as cost_per_call_rub,
        {{ safe_divide('spend_rub', 'quality_calls') }} as cost_per_quality_call_rub,
        {{ safe_divide('spend_rub', 'applications') }} as cost_per_application_rub,
        {{ safe_divide('spend_rub', 'deals_won') }} as cac_rub,
        {{ safe_divide('revenue_won_rub', 'deals_won') }} as avg_check_rub,
        {{ safe_divide('revenue_won_rub - spend_rub', 'spend_rub') }} as romi,
        {{ safe_divide('calls', 'impressions') }} as calls_per_impression,
        {{ safe_divide('calls', 'reach') }} as calls_per_reach,
        {{ safe_divide('answered_talk_seconds', 'answered_calls') }} as avg_talk_seconds,
        {{ safe_divide('answered_won_talk_seconds', 'answered_won_calls') }}
            as avg_talk_seconds_won
    from weeks_with_status

)

select
    week_start,
    channel,
    is_paid,
    is_maturing,
    is_complete,
    calls,
    answered_calls,
    missed_calls,
    short_calls,
    quality_calls,
    first_time_callers,
    application_calls,
    leads,
    applications,
    won_applications,
    meetings,
    deals,
    revenue_rub,
    deals_won,
    revenue_won_rub,
    spend_rub,
    impressions,
    reach,
    clicks,
    answered_talk_seconds,
    answered_won_calls,
    answered_won_talk_seconds,
    answer_rate,
    quality_call_rate,
    application_rate,
    application_rate_low,
    application_rate_high,
    deal_rate,
    deal_rate_low,
    deal_rate_high,
    cost_per_call_rub,
    cost_per_quality_call_rub,
    cost_per_application_rub,
    cac_rub,
    avg_check_rub,
    romi,
    calls_per_impression,
    calls_per_reach,
    avg_talk_seconds,
    avg_talk_seconds_won
from weeks_with_ratios
