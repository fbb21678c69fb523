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

    -- an incremental run restates the window's cohort weeks only
    select * from {{ ref('fct_leads') }}
    {{ in_restatement_window('week_start') }}

),

run_moment as (

    -- the week of the run's as_of moment (business time) decides which weeks are maturing
    select {{ business_week_start(as_of_utc) }} as as_of_week_start

),

manager_channel_leads as (

    select
        week_start,
        manager_id,
        channel,
        count(*) as leads,
        count(case when is_application then 1 end) as applications,
        count(case when is_won then 1 end) as deals,
        sum(revenue_rub) as revenue_rub,
        count(quality_score) as scored_leads,
        sum(quality_score) as quality_score_total
    from leads
    group by week_start, manager_id, channel

),

channel_deal_rates as (

    -- all managers' leads of a channel and week: the benchmark of the same age
    select
        week_start,
        channel,
        {{ safe_divide('sum(deals)', 'sum(leads)') }} as channel_lead_to_deal_rate
    from manager_channel_leads
    group by week_start, channel

),

manager_channel_expectations as (

    select
        manager_channel_leads.*,
        manager_channel_leads.leads
        * channel_deal_rates.channel_lead_to_deal_rate as expected_deals
    from manager_channel_leads
    inner join channel_deal_rates
        on
            manager_channel_leads.week_start = channel_deal_rates.week_start
            and manager_channel_leads.channel = channel_deal_rates.channel

),

manager_weeks as (

    select
        week_start,
        manager_id,
        sum(leads) as leads,
        sum(applications) as applications,
        sum(deals) as deals,
        coalesce(sum(revenue_rub), 0) as revenue_rub,
        sum(expected_deals) as expected_deals,
        sum(scored_leads) as scored_leads,
        sum(quality_score_total) as quality_score_total
    from manager_channel_expectations
    group by week_start, manager_id

),

manager_weeks_with_status as (

    select
        manager_weeks.*,
        manager_weeks.week_start >= cast({{ dbt.dateadd(
            'week', -1 * var('maturing_weeks'), 'run_moment.as_of_week_start'
        ) }} as date) as is_maturing
    from manager_weeks
    cross join run_moment

)

select
    week_start,
    manager_id,
    is_maturing,
    cast(leads as {{ dbt.type_int() }}) as leads,
    cast(applications as {{ dbt.type_int() }}) as applications,
    cast(deals as {{ dbt.type_int() }}) as deals,
    cast(revenue_rub as {{ dbt.type_numeric() }}) as revenue_rub,
    {{ safe_divide('deals', 'leads') }} as lead_to_deal_rate,
    round({{ wilson_low('deals', 'leads') }}, 6) as lead_to_deal_rate_low,
    round({{ wilson_high('deals', 'leads') }}, 6) as lead_to_deal_rate_high,
    cast(expected_deals as {{ type_double() }}) as expected_deals,
    cast(
        {{ safe_divide('expected_deals', 'leads') }} as {{ type_double() }}
    ) as expected_lead_to_deal_rate,
    cast({{ safe_divide('deals', 'expected_deals') }} as {{ type_double() }}) as vs_channel_mix,
    cast(scored_leads as {{ dbt.type_int() }}) as scored_leads,
    {{ safe_divide('quality_score_total', 'scored_leads') }} as avg_quality_score
from manager_weeks_with_status
