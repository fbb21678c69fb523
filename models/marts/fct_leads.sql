{{
    config(
        materialized='incremental',
        incremental_strategy='restatement_window',
        meta={'restated_by': 'week_start'},
        on_schema_change='fail',
    )
}}

with leads as (

    -- an incremental run restates the leads created in the window's weeks only
    select * from {{ ref('int_leads') }}
    {{ in_restatement_window('week_start') }}

),

statuses as (

    select * from {{ ref('crm_statuses') }}

),

vat_rates as (

    select * from {{ ref('vat_rates') }}

),

meeting_stage as (

    select stage_order
    from statuses
    where status = 'meeting_scheduled'

),

won_vat_rate as (

    -- The VAT rate in force on the won date (latest valid_from on or before it).
    select
        leads.lead_id,
        max(vat_rates.valid_from) as vat_valid_from
    from leads
    inner join vat_rates
        on leads.won_date >= vat_rates.valid_from
    where leads.is_won
    group by leads.lead_id

),

lead_facts as (

    select
        leads.lead_id,
        leads.created_at,
        leads.created_date,
        leads.week_start,
        leads.channel,
        leads.campaign,
        leads.call_id,
        leads.link_rule,
        leads.manager_id,
        leads.current_status,
        leads.furthest_stage,
        leads.furthest_stage_order,
        leads.call_outcome,
        coalesce(leads.call_outcome = 'application', false) as is_application,
        coalesce(leads.furthest_stage_order >= meeting_stage.stage_order, false) as is_meeting,
        leads.is_won,
        leads.is_lost,
        leads.won_at,
        leads.won_date,
        {{ week_start('leads.won_date') }} as won_week_start,
        leads.lost_at,
        {{ business_date('leads.lost_at') }} as lost_date,
        {{ business_week_start('leads.lost_at') }} as lost_week_start,
        leads.refusal_reason,
        leads.quality_score,
        leads.has_status_events,
        leads.reopen_count,
        leads.amount,
        leads.currency,
        leads.fx_rate_to_rub,
        case when leads.is_won then vat_rates.rate end as won_vat_rate,
        case
            when not leads.is_won then null
            {% if var('revenue_includes_vat') %}
                else leads.revenue_rub / (1 + coalesce(vat_rates.rate, 0))
            {% else %}
                else leads.revenue_rub
            {% endif %}
        end as revenue_rub
    from leads
    cross join meeting_stage
    left join won_vat_rate
        on leads.lead_id = won_vat_rate.lead_id
    left join vat_rates
        on won_vat_rate.vat_valid_from = vat_rates.valid_from

)

select
    lead_id,
    created_at,
    created_date,
    week_start,
    channel,
    campaign,
    call_id,
    link_rule,
    manager_id,
    current_status,
    furthest_stage,
    cast(furthest_stage_order as integer) as furthest_stage_order,
    call_outcome,
    is_application,
    is_meeting,
    is_won,
    is_application and is_won as is_won_application,
    is_lost,
    won_at,
    won_date,
    won_week_start,
    lost_at,
    lost_date,
    lost_week_start,
    refusal_reason,
    cast(quality_score as integer) as quality_score,
    has_status_events,
    cast(reopen_count as integer) as reopen_count,
    amount,
    currency,
    fx_rate_to_rub,
    won_vat_rate,
    cast(revenue_rub as {{ dbt.type_numeric() }}) as revenue_rub
from lead_facts
