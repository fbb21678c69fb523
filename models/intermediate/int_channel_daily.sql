{{
    config(
        materialized='incremental',
        incremental_strategy='restatement_window',
        meta={'restated_by': 'calendar_date'},
        on_schema_change='fail',
    )
}}

with calls as (

    select * from {{ ref('fct_calls') }}

),

leads as (

    select * from {{ ref('fct_leads') }}

),

costs as (

    select * from {{ ref('int_ads__costs_known') }}

),

call_days as (

    -- cohort: calls by the day they were made
    select
        call_date as calendar_date,
        channel,
        count(*) as calls,
        sum(case when is_answered then 1 else 0 end) as answered_calls,
        sum(case when is_missed then 1 else 0 end) as missed_calls,
        sum(case when is_short_call then 1 else 0 end) as short_calls,
        sum(case when is_quality_call then 1 else 0 end) as quality_calls,
        sum(case when is_first_time_caller then 1 else 0 end) as first_time_callers,
        sum(case when is_application_call then 1 else 0 end) as application_calls,
        sum(case when is_answered then talk_seconds else 0 end) as answered_talk_seconds,
        sum(case when is_answered and is_won_call then 1 else 0 end) as answered_won_calls,
        sum(
            case when is_answered and is_won_call then talk_seconds else 0 end
        ) as answered_won_talk_seconds
    from calls
    {{ in_restatement_window('call_date') }}
    group by call_date, channel

),

lead_days as (

    -- cohort: leads by the day they were created
    select
        created_date as calendar_date,
        channel,
        count(*) as leads,
        sum(case when is_application then 1 else 0 end) as applications,
        sum(case when is_won_application then 1 else 0 end) as won_applications,
        sum(case when is_meeting then 1 else 0 end) as meetings,
        sum(case when is_won then 1 else 0 end) as deals,
        sum(coalesce(revenue_rub, 0)) as revenue_rub
    from leads
    {{ in_restatement_window('created_date') }}
    group by created_date, channel

),

won_leads as (

    select * from leads
    where is_won

),

won_days as (

    -- activity: deals by the day they were won
    select
        won_date as calendar_date,
        channel,
        count(*) as deals_won,
        sum(coalesce(revenue_rub, 0)) as revenue_won_rub
    from won_leads
    {{ in_restatement_window('won_date') }}
    group by won_date, channel

),

cost_days as (

    -- activity: ad spend by the day it was spent
    select
        cost_date as calendar_date,
        channel,
        sum(coalesce(spend_rub, 0)) as spend_rub,
        sum(coalesce(impressions, 0)) as impressions,
        sum(coalesce(reach, 0)) as reach,
        sum(coalesce(clicks, 0)) as clicks
    from costs
    {{ in_restatement_window('cost_date') }}
    group by cost_date, channel

),

all_measures as (

    select
        calendar_date,
        channel,
        {{ channel_measures_from([
            'calls', 'answered_calls', 'missed_calls', 'short_calls', 'quality_calls',
            'first_time_callers', 'application_calls', 'answered_talk_seconds',
            'answered_won_calls', 'answered_won_talk_seconds',
        ]) }}
    from call_days

    union all

    select
        calendar_date,
        channel,
        {{ channel_measures_from([
            'leads', 'applications', 'won_applications', 'meetings', 'deals', 'revenue_rub',
        ]) }}
    from lead_days

    union all

    select
        calendar_date,
        channel,
        {{ channel_measures_from(['deals_won', 'revenue_won_rub']) }}
    from won_days

    union all

    select
        calendar_date,
        channel,
        {{ channel_measures_from(['spend_rub', 'impressions', 'reach', 'clicks']) }}
    from cost_days

),

channel_days as (

    select
        calendar_date,
        channel,
        {{ channel_measure_typed_sums() }}
    from all_measures
    group by calendar_date, channel

)

select
    calendar_date,
    channel,
    calls,
    answered_calls,
    missed_calls,
    short_calls,
    quality_calls,
    first_time_callers,
    application_calls,
    answered_talk_seconds,
    answered_won_calls,
    answered_won_talk_seconds,
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
    clicks
from channel_days
