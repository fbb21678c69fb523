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

crm_statuses as (

    select * from {{ ref('crm_statuses') }}

),

run_moment as (

    -- the week of the run's as_of moment (business time) decides which weeks are maturing
    select {{ business_week_start(as_of_utc) }} as as_of_week_start

),

stages as (

    -- the funnel's stages in order; `lost` has no stage order and is an exit, not a stage
    select
        status as funnel_stage,
        stage_order
    from crm_statuses
    where stage_order is not null

),

leads_with_stage_order as (

    select
        leads.week_start,
        leads.channel,
        leads.is_lost,
        leads.furthest_stage,
        furthest.stage_order as furthest_stage_order
    from leads
    left join stages as furthest
        on leads.furthest_stage = furthest.funnel_stage

),

cohorts as (

    select
        week_start,
        channel,
        count(*) as cohort_leads
    from leads_with_stage_order
    group by week_start, channel

),

cohort_stages as (

    -- every stage of every cohort, so a stage nobody reached shows as zero
    select
        cohorts.week_start,
        cohorts.channel,
        cohorts.cohort_leads,
        stages.funnel_stage,
        stages.stage_order
    from cohorts
    cross join stages

),

stage_counts as (

    select
        cohort_stages.week_start,
        cohort_stages.channel,
        cohort_stages.funnel_stage,
        cohort_stages.stage_order,
        cohort_stages.cohort_leads,
        count(
            case
                when leads_with_stage_order.furthest_stage_order >= cohort_stages.stage_order
                    then 1
            end
        ) as leads_reached,
        count(
            case
                when
                    leads_with_stage_order.is_lost
                    and leads_with_stage_order.furthest_stage = cohort_stages.funnel_stage
                    then 1
            end
        ) as leads_lost_here
    from cohort_stages
    left join leads_with_stage_order
        on
            cohort_stages.week_start = leads_with_stage_order.week_start
            and cohort_stages.channel = leads_with_stage_order.channel
    group by
        cohort_stages.week_start,
        cohort_stages.channel,
        cohort_stages.funnel_stage,
        cohort_stages.stage_order,
        cohort_stages.cohort_leads

),

stage_counts_with_previous as (

    select
        stage_counts.*,
        stage_counts.week_start >= cast({{ dbt.dateadd(
            'week', -1 * var('maturing_weeks'), 'run_moment.as_of_week_start'
        ) }} as date) as is_maturing,
        lag(stage_counts.leads_reached) over (
            partition by stage_counts.week_start, stage_counts.channel
            order by stage_counts.stage_order
        ) as previous_stage_leads_reached
    from stage_counts
    cross join run_moment

)

select
    week_start,
    channel,
    -- `stage` is the column name the marts' contract promises
    funnel_stage as stage,  -- noqa: RF04
    cast(stage_order as {{ dbt.type_int() }}) as stage_order,
    is_maturing,
    cast(cohort_leads as {{ dbt.type_int() }}) as cohort_leads,
    cast(leads_reached as {{ dbt.type_int() }}) as leads_reached,
    cast(leads_lost_here as {{ dbt.type_int() }}) as leads_lost_here,
    cast(previous_stage_leads_reached as {{ dbt.type_int() }}) as previous_stage_leads_reached,
    {{ safe_divide('leads_reached', 'previous_stage_leads_reached') }} as conversion_from_previous,
    {{ safe_divide('leads_reached', 'cohort_leads') }} as share_of_cohort_reached
from stage_counts_with_previous
