{{
    config(
        materialized='incremental',
        incremental_strategy='restatement_window',
        meta={'restated_by': 'week_start'},
        on_schema_change='fail',
    )
}}

{#- The staging calls are read three times, each read taking only what it needs: a CTE read by
    several others would be materialised whole (every column of every call) by DuckDB. -#}
{%- set staged_calls = ref('stg_calltracker__calls') -%}

with calls_to_restate as (

    -- an incremental run restates the calls of the window's weeks only; started_at is UTC, so
    -- a day's margin keeps the window's first business-time hours (the week is checked below)
    select * from {{ staged_calls }}
    {{ in_restatement_window('started_at', margin_days=1) }}

),

tracking_numbers as (

    select * from {{ ref('stg_calltracker__tracking_numbers') }}

),

utm_sources as (

    select * from {{ ref('utm_sources') }}

),

channels as (

    select * from {{ ref('channels') }}

),

calls_in_business_time as (

    select
        *,
        {{ to_business_time('started_at') }} as started_at_local,
        {{ business_date('started_at') }} as call_date,
        {{ business_week_start('started_at') }} as week_start,
        caller_key is null as is_hidden_caller
    from calls_to_restate

),

calls_of_the_window as (

    select * from calls_in_business_time
    {{ in_restatement_window('week_start') }}

),

calls_with_registry_period as (

    select
        calls_of_the_window.*,
        tracking_numbers.channel as registry_channel,
        tracking_numbers.campaign as registry_campaign,
        tracking_numbers.number_type,
        tracking_numbers.valid_from is not null as is_registered_number,
        channels.channel is not null as is_known_registry_channel
    from calls_of_the_window
    left join tracking_numbers
        on
            calls_of_the_window.direction = 'inbound'
            and calls_of_the_window.tracking_number = tracking_numbers.tracking_number
            and calls_of_the_window.call_date >= tracking_numbers.valid_from
            and (
                tracking_numbers.valid_to is null
                or calls_of_the_window.call_date <= tracking_numbers.valid_to
            )
    left join channels
        on tracking_numbers.channel = channels.channel

),

calls_with_utm_channel as (

    select
        calls_with_registry_period.*,
        utm_sources.channel as utm_channel
    from calls_with_registry_period
    left join utm_sources
        on
            calls_with_registry_period.number_type = 'dynamic'
            and lower(calls_with_registry_period.utm_source) = utm_sources.utm_source

),

calls_with_attribution_rule as (

    select
        *,
        case
            when direction = 'outbound' then 'outbound'
            when not is_registered_number then 'unregistered_number'
            when utm_channel is not null then 'dynamic_utm'
            -- a registry code missing from the channels seed cannot be reported as a channel
            when not is_known_registry_channel then 'unknown_registry_channel'
            when number_type = 'dynamic' then 'dynamic_fallback'
            else 'static_number'
        end as attribution_rule
    from calls_with_utm_channel

),

calls_with_channel as (

    select
        *,
        case attribution_rule
            when 'outbound' then 'outbound'
            when 'dynamic_utm' then utm_channel
            when 'dynamic_fallback' then registry_channel
            when 'static_number' then registry_channel
            else 'unattributed'
        end as channel,
        case
            when attribution_rule in ('dynamic_utm', 'dynamic_fallback')
                then coalesce(utm_campaign, registry_campaign)
            when attribution_rule = 'static_number' then registry_campaign
        end as campaign
    from calls_with_attribution_rule

),

restated_inbound_calls as (

    select
        call_id,
        caller_key,
        lag(started_at) over (
            partition by caller_key
            order by started_at, call_id
        ) as previous_restated_call_started_at
    from {{ staged_calls }}
    where
        direction = 'inbound'
        and caller_key is not null
        and {{ restated_since('started_at', margin_days=1) }}

),

{% if is_incremental() %}
    last_call_before_the_restated_ones as (

        -- The earliest of a caller's calls read above has its previous call before them, in
        -- history the window does not restate: the caller's latest inbound call there, when it
        -- is recent enough to make a repeat call (an older one leaves the call first-time).
        select
            caller_key,
            max(started_at) as previous_call_started_at
        from {{ staged_calls }}
        where
            direction = 'inbound'
            and caller_key is not null
            and started_at < {{ dbt.dateadd('day', -1, restatement_window_start()) }}
            and started_at >= {{ dbt.dateadd(
                'day',
                -1 * (var('first_time_caller_window_days') + 1),
                restatement_window_start(),
            ) }}
        group by caller_key

    ),
{% endif %}

previous_inbound_calls as (

    select
        restated_inbound_calls.call_id,
        {% if is_incremental() -%}
            coalesce(
                restated_inbound_calls.previous_restated_call_started_at,
                last_call_before_the_restated_ones.previous_call_started_at
            )
        {%- else -%}
            restated_inbound_calls.previous_restated_call_started_at
        {%- endif %} as previous_call_started_at
    from restated_inbound_calls
    {%- if is_incremental() %}
        left join last_call_before_the_restated_ones
            on restated_inbound_calls.caller_key = last_call_before_the_restated_ones.caller_key
    {%- endif %}

),

calls_with_first_time_flag as (

    select
        calls_with_channel.*,
        case
            when
                calls_with_channel.direction = 'inbound'
                and calls_with_channel.caller_key is not null
                then
                    previous_inbound_calls.previous_call_started_at is null
                    or previous_inbound_calls.previous_call_started_at < {{ dbt.dateadd(
                        'day',
                        -1 * var('first_time_caller_window_days'),
                        'calls_with_channel.started_at',
                    ) }}
        end as is_first_time_caller
    from calls_with_channel
    left join previous_inbound_calls
        on calls_with_channel.call_id = previous_inbound_calls.call_id

)

select
    call_id,
    started_at,
    started_at_local,
    call_date,
    week_start,
    direction,
    call_status,
    wait_seconds,
    talk_seconds,
    tracking_number,
    number_type,
    caller_key,
    is_hidden_caller,
    is_first_time_caller,
    channel,
    campaign,
    attribution_rule,
    utm_source,
    utm_medium,
    utm_campaign,
    utm_content,
    session_id,
    manager_id,
    source_file,
    source_line
from calls_with_first_time_flag
