{#- Restated by the deal's cohort week, as fct_leads is: an incremental run credits the deals of
    the window's weeks, from every inbound call of their callers in the lookback window, however
    far before the window those calls are. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='restatement_window',
        meta={'restated_by': 'week_start'},
        on_schema_change='fail',
    )
}}

{%- set as_of_utc = as_of_timestamp() -%}

with leads as (

    select * from {{ ref('fct_leads') }}
    {{ in_restatement_window('week_start') }}

),

lead_contacts as (

    select * from {{ ref('int_leads') }}
    {{ in_restatement_window('week_start') }}

),

calls as (

    -- a deal's own call can be of any age
    select * from {{ ref('fct_calls') }}

),

touch_calls as (

    -- the calls a deal of the window can be credited to: a lookback (and a day for UTC) earlier
    select * from {{ ref('fct_calls') }}
    {{ in_restatement_window(
        'started_at', margin_days=var('attribution_lookback_days') | int + 1
    ) }}

),

run_moment as (

    -- the week of the run's as_of moment (business time) decides which weeks are maturing
    select {{ business_week_start(as_of_utc) }} as as_of_week_start

),

attribution_models as (

    select 'first_touch' as attribution_model
    union all
    select 'last_touch' as attribution_model
    union all
    select 'linear' as attribution_model
    union all
    select 'position_based' as attribution_model

),

deals as (

    -- the caller of a deal: the caller of its own call, else the contact phone on its card
    select
        leads.lead_id,
        leads.created_at,
        leads.week_start,
        leads.channel as own_channel,
        leads.revenue_rub,
        coalesce(own_calls.caller_key, lead_contacts.contact_key) as caller_key
    from leads
    left join calls as own_calls
        on leads.call_id = own_calls.call_id
    left join lead_contacts
        on leads.lead_id = lead_contacts.lead_id
    where leads.is_won

),

inbound_calls as (

    select
        call_id,
        started_at,
        channel,
        caller_key
    from touch_calls
    where direction = 'inbound' and caller_key is not null

),

touches as (

    -- every inbound call from the deal's caller in the lookback window up to the lead
    select
        deals.lead_id,
        inbound_calls.channel,
        row_number() over (
            partition by deals.lead_id
            order by inbound_calls.started_at, inbound_calls.call_id
        ) as touch_number,
        count(*) over (partition by deals.lead_id) as touch_count
    from deals
    inner join inbound_calls
        on
            deals.caller_key = inbound_calls.caller_key
            and deals.created_at >= inbound_calls.started_at
            and {{ dbt.dateadd(
                'day',
                -1 * var('attribution_lookback_days'),
                'deals.created_at',
            ) }} <= inbound_calls.started_at

),

deals_without_touches as (

    select
        deals.lead_id,
        deals.own_channel as channel,
        1 as touch_number,
        1 as touch_count
    from deals
    left join touches
        on deals.lead_id = touches.lead_id
    where touches.lead_id is null

),

all_touches as (

    select
        lead_id,
        channel,
        touch_number,
        touch_count
    from touches
    union all
    select
        lead_id,
        channel,
        touch_number,
        touch_count
    from deals_without_touches

),

touch_credits as (

    -- position_based: 40% first, 40% last, 20% shared by the middle touches; with two touches
    -- the middle share has no call and is split evenly (50/50), one touch takes it all
    select
        attribution_models.attribution_model,
        all_touches.lead_id,
        all_touches.channel,
        -- shares in full precision; rounded only once summed
        (
            case attribution_models.attribution_model
                when 'first_touch'
                    then case when all_touches.touch_number = 1 then 1 else 0 end
                when 'last_touch'
                    then
                        case
                            when all_touches.touch_number = all_touches.touch_count then 1 else 0
                        end
                when 'linear' then 1.0 / all_touches.touch_count
                when 'position_based'
                    then
                        case
                            when all_touches.touch_count = 1 then 1.0
                            when all_touches.touch_count = 2 then 0.5
                            when all_touches.touch_number = 1 then 0.4
                            when all_touches.touch_number = all_touches.touch_count then 0.4
                            else 0.2 / (all_touches.touch_count - 2)
                        end
            end
        ) as credit
    from all_touches
    cross join attribution_models

),

credited_touches as (

    select
        touch_credits.attribution_model,
        deals.week_start,
        touch_credits.channel,
        touch_credits.credit,
        touch_credits.credit * deals.revenue_rub as revenue_credit
    from touch_credits
    inner join deals
        on touch_credits.lead_id = deals.lead_id
    where touch_credits.credit > 0

),

channel_credits as (

    select
        attribution_model,
        week_start,
        channel,
        sum(credit) as attributed_deals,
        sum(revenue_credit) as attributed_revenue_rub
    from credited_touches
    group by attribution_model, week_start, channel

),

channel_credits_with_status as (

    select
        channel_credits.*,
        channel_credits.week_start >= cast({{ dbt.dateadd(
            'week', -1 * var('maturing_weeks'), 'run_moment.as_of_week_start'
        ) }} as date) as is_maturing
    from channel_credits
    cross join run_moment

)

select
    -- `model` is the column name the marts' contract promises
    attribution_model as model,  -- noqa: RF04
    week_start,
    channel,
    is_maturing,
    cast(attributed_deals as {{ dbt.type_numeric() }}) as attributed_deals,
    cast(attributed_revenue_rub as {{ dbt.type_numeric() }}) as attributed_revenue_rub
from channel_credits_with_status
