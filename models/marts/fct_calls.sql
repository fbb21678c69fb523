{{
    config(
        materialized='incremental',
        incremental_strategy='restatement_window',
        meta={'restated_by': 'week_start'},
        on_schema_change='fail',
    )
}}

with calls as (

    -- an incremental run restates the calls of the window's weeks only
    select * from {{ ref('int_calls_attributed') }}
    {{ in_restatement_window('week_start') }}

),

lead_calls as (

    -- call_started_at is UTC: a day's margin keeps the window's first business-time hours
    select * from {{ ref('int_lead_calls') }}
    {{ in_restatement_window('call_started_at', margin_days=1) }}

),

leads as (

    select * from {{ ref('int_leads') }}

),

links_per_call as (

    -- A call can create several leads; the call counts once, with its earliest lead.
    select
        lead_calls.call_id,
        min(lead_calls.lead_created_at) as first_lead_created_at,
        count(*) as linked_leads,
        max(case when leads.call_outcome = 'application' then 1 else 0 end) as has_application,
        max(case when leads.is_won then 1 else 0 end) as has_won_lead
    from lead_calls
    inner join leads
        on lead_calls.lead_id = leads.lead_id
    group by lead_calls.call_id

),

earliest_lead as (

    select
        lead_calls.call_id,
        min(lead_calls.lead_id) as lead_id
    from lead_calls
    inner join links_per_call
        on
            lead_calls.call_id = links_per_call.call_id
            and lead_calls.lead_created_at = links_per_call.first_lead_created_at
    group by lead_calls.call_id

),

call_facts as (

    select
        calls.call_id,
        calls.started_at,
        calls.started_at_local,
        calls.call_date,
        calls.week_start,
        calls.channel,
        calls.campaign,
        calls.attribution_rule,
        calls.direction,
        calls.call_status,
        calls.caller_key,
        calls.manager_id,
        calls.call_status = 'answered' as is_answered,
        calls.call_status <> 'answered' as is_missed,
        calls.talk_seconds,
        calls.wait_seconds,
        coalesce(
            calls.call_status = 'answered'
            and calls.talk_seconds < {{ var('short_call_seconds') }},
            false
        ) as is_short_call,
        coalesce(
            calls.call_status = 'answered'
            and calls.talk_seconds >= {{ var('quality_call_seconds') }},
            false
        ) as is_quality_call,
        calls.is_first_time_caller,
        earliest_lead.lead_id,
        coalesce(links_per_call.linked_leads, 0) as linked_leads,
        coalesce(links_per_call.has_application, 0) = 1 as is_application_call,
        coalesce(links_per_call.has_won_lead, 0) = 1 as is_won_call
    from calls
    left join links_per_call
        on calls.call_id = links_per_call.call_id
    left join earliest_lead
        on calls.call_id = earliest_lead.call_id

)

select
    call_id,
    started_at,
    started_at_local,
    call_date,
    week_start,
    channel,
    campaign,
    attribution_rule,
    direction,
    call_status,
    caller_key,
    manager_id,
    is_answered,
    is_missed,
    cast(talk_seconds as integer) as talk_seconds,
    cast(wait_seconds as integer) as wait_seconds,
    is_short_call,
    is_quality_call,
    is_first_time_caller,
    lead_id,
    cast(linked_leads as integer) as linked_leads,
    is_application_call,
    is_won_call
from call_facts
