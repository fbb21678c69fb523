{#- Restated by cohort week, as fct_leads is: an incremental run recomputes the leads created in
    the window's weeks, each from its whole status history and its linked call, however old
    those are. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='restatement_window',
        meta={'restated_by': 'week_start'},
        on_schema_change='fail',
    )
}}

with staged_leads as (

    -- created_at is UTC: a day's margin keeps the window's first business-time hours
    select * from {{ ref('stg_crm__leads') }}
    {{ in_restatement_window('created_at', margin_days=1) }}

),

leads_with_week as (

    select
        *,
        {{ business_week_start('created_at') }} as week_start
    from staged_leads

),

leads as (

    select * from leads_with_week
    {{ in_restatement_window('week_start') }}

),

lead_calls as (

    select * from {{ ref('int_lead_calls') }}
    {{ in_restatement_window('lead_week_start') }}

),

calls as (

    -- a linked call can be older than the window: all history
    select * from {{ ref('int_calls_attributed') }}

),

status_events as (

    -- every event of the leads being built, however old: only the columns read below
    select
        lead_id,
        event_id,
        changed_at,
        status,
        stage_order,
        is_won,
        is_lost
    from {{ ref('int_crm__status_events_known') }}
    {%- if is_incremental() %}
        where lead_id in (select leads.lead_id from leads)
    {%- endif %}

),

crm_statuses as (

    select * from {{ ref('crm_statuses') }}

),

first_stage as (

    select min(stage_order) as first_stage_order
    from crm_statuses

),

refusal_reasons as (

    select * from {{ ref('refusal_reasons') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

events_in_order as (

    -- Every window function shares one partitioning and ordering, so the events are sorted
    -- once, and one CTE reads the result, so it streams instead of being stored. Event ids are
    -- unique and changed_at is required at ingestion: the order is total.
    select
        *,
        lead(event_id) over (
            partition by lead_id
            order by changed_at, event_id
        ) is null as is_latest_event,
        lag(status) over (
            partition by lead_id
            order by changed_at, event_id
        ) as previous_status,
        lag(is_won) over (
            partition by lead_id
            order by changed_at, event_id
        ) as previous_is_won,
        lag(is_lost) over (
            partition by lead_id
            order by changed_at, event_id
        ) as previous_is_lost,
        lag(stage_order) over (
            partition by lead_id
            order by changed_at, event_id
        ) as previous_stage_order,
        max(stage_order) over (
            partition by lead_id
            order by changed_at, event_id
            rows between unbounded preceding and 1 preceding
        ) as highest_earlier_stage_order,
        max(stage_order) over (
            partition by lead_id
            order by changed_at, event_id
            rows between unbounded preceding and unbounded following
        ) as highest_stage_order,
        sum(case when is_won or is_lost then 1 else 0 end) over (
            partition by lead_id
            order by changed_at, event_id
            rows between 1 following and unbounded following
        ) as later_terminal_events
    from status_events

),

events_with_roles as (

    select
        events_in_order.*,
        -- the latest won or lost event decides whether the lead is won or lost
        (events_in_order.is_won or events_in_order.is_lost)
        and coalesce(events_in_order.later_terminal_events, 0) = 0 as is_latest_terminal,
        -- the furthest stage is the first event that reached the lead's highest stage order
        events_in_order.stage_order = events_in_order.highest_stage_order
        and (
            events_in_order.highest_earlier_stage_order is null
            or events_in_order.stage_order > events_in_order.highest_earlier_stage_order
        ) as is_furthest_stage,
        -- past the funnel's first stage (`lost` has no stage order: it counts)
        coalesce(
            events_in_order.stage_order <> first_stage.first_stage_order,
            events_in_order.stage_order is null
        ) as is_past_first_stage
    from events_in_order
    cross join first_stage

),

event_summary as (

    select
        lead_id,
        count(*) as status_event_count,
        min(changed_at) as first_status_changed_at,
        min(case when is_past_first_stage then changed_at end) as first_progress_at,
        max(changed_at) as last_status_changed_at,
        max(
            case when is_won and not coalesce(previous_is_won, false) then changed_at end
        ) as last_won_entry_at,
        max(
            case when is_lost and not coalesce(previous_is_lost, false) then changed_at end
        ) as last_lost_entry_at,
        sum(
            case
                when
                    (previous_is_won or previous_is_lost)
                    and status <> previous_status
                    then 1
                else 0
            end
        ) as reopen_count,
        sum(
            case when stage_order < previous_stage_order then 1 else 0 end
        ) as stage_step_back_count,
        -- one latest event, at most one latest terminal event and one furthest stage per lead
        max(case when is_latest_event then status end) as current_status,
        max(case when is_furthest_stage then status end) as furthest_stage,
        max(case when is_latest_terminal and is_won then 1 else 0 end) = 1 as is_won,
        max(case when is_latest_terminal and is_lost then 1 else 0 end) = 1 as is_lost
    from events_with_roles
    group by lead_id

),

leads_with_outcome as (

    select
        leads.lead_id,
        leads.created_at,
        {{ business_date('leads.created_at') }} as created_date,
        leads.week_start,
        leads.manager_id,
        leads.contact_key,
        leads.call_id as recorded_call_id,
        lead_calls.call_id,
        lead_calls.link_rule,
        coalesce(calls.channel, 'unattributed') as channel,
        calls.campaign,
        coalesce(event_summary.current_status, 'new') as current_status,
        coalesce(event_summary.furthest_stage, 'new') as furthest_stage,
        coalesce(event_summary.is_won, false) as is_won,
        coalesce(event_summary.is_lost, false) as is_lost,
        case
            when event_summary.is_won then event_summary.last_won_entry_at
        end as won_at,
        case
            when event_summary.is_lost then event_summary.last_lost_entry_at
        end as lost_at,
        coalesce(event_summary.status_event_count, 0) as status_event_count,
        event_summary.status_event_count is not null as has_status_events,
        event_summary.first_status_changed_at,
        event_summary.first_progress_at,
        event_summary.last_status_changed_at,
        coalesce(event_summary.reopen_count, 0) as reopen_count,
        coalesce(event_summary.stage_step_back_count, 0) as stage_step_back_count,
        leads.call_outcome,
        leads.quality_score,
        case
            when leads.refusal_reason is null then null
            when refusal_reasons.refusal_reason is null then 'other'
            else leads.refusal_reason
        end as refusal_reason,
        leads.amount,
        leads.currency,
        leads.updated_at
    from leads
    left join lead_calls
        on leads.lead_id = lead_calls.lead_id
    left join calls
        on lead_calls.call_id = calls.call_id
    left join event_summary
        on leads.lead_id = event_summary.lead_id
    left join refusal_reasons
        on leads.refusal_reason = refusal_reasons.refusal_reason

),

leads_with_stage_order as (

    select
        leads_with_outcome.*,
        crm_statuses.stage_order as furthest_stage_order,
        {{ business_date('leads_with_outcome.won_at') }} as won_date
    from leads_with_outcome
    left join crm_statuses
        on leads_with_outcome.furthest_stage = crm_statuses.status

),

ranked_fx_rates as (

    select
        leads_with_stage_order.lead_id,
        fx_rates.rate_to_rub,
        row_number() over (
            partition by leads_with_stage_order.lead_id
            order by fx_rates.valid_from desc
        ) as rate_rank
    from leads_with_stage_order
    inner join fx_rates
        on
            leads_with_stage_order.currency = fx_rates.currency
            and leads_with_stage_order.won_date >= fx_rates.valid_from

),

fx_rate_on_won_date as (

    select
        lead_id,
        rate_to_rub
    from ranked_fx_rates
    where rate_rank = 1

),

leads_with_fx_rate as (

    select
        leads_with_stage_order.*,
        case
            when not leads_with_stage_order.is_won then null
            when leads_with_stage_order.currency = 'RUB' then 1
            else fx_rate_on_won_date.rate_to_rub
        end as fx_rate_to_rub
    from leads_with_stage_order
    left join fx_rate_on_won_date
        on leads_with_stage_order.lead_id = fx_rate_on_won_date.lead_id

),

leads_with_revenue as (

    select
        *,
        cast(
            case
                when not is_won then null
                -- a deal recorded without an amount still counts, at zero revenue
                when amount is null then 0
                else amount * fx_rate_to_rub
            end as {{ dbt.type_numeric() }}
        ) as revenue_rub
    from leads_with_fx_rate

)

select
    lead_id,
    created_at,
    created_date,
    week_start,
    manager_id,
    contact_key,
    recorded_call_id,
    call_id,
    link_rule,
    channel,
    campaign,
    current_status,
    furthest_stage,
    furthest_stage_order,
    is_won,
    is_lost,
    won_at,
    won_date,
    lost_at,
    has_status_events,
    status_event_count,
    first_status_changed_at,
    first_progress_at,
    last_status_changed_at,
    reopen_count,
    stage_step_back_count,
    call_outcome,
    quality_score,
    refusal_reason,
    amount,
    currency,
    fx_rate_to_rub,
    revenue_rub,
    updated_at
from leads_with_revenue
