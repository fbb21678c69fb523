{{ config(meta={'dagster': {'ref': {'name': 'funnel_weekly'}}}) }}
-- Each cohort's first stage holds all its leads, and its leads lost along the funnel are all of
-- its lost leads.
-- An incremental run checks the weeks it rewrote; a full refresh checks every week
-- (restated_rows_only, dbt_project/macros/tests/restated_rows_only.sql).
with funnel as (

    select * from {{ ref('funnel_weekly') }}
    where {{ restated_rows_only('week_start') }}

),

leads as (

    select * from {{ ref('fct_leads') }}
    where {{ restated_rows_only('week_start') }}

),

funnel_cohorts as (

    select
        week_start,
        channel,
        max(case when stage_order = 0 then leads_reached end) as leads,
        sum(leads_lost_here) as lost_leads
    from funnel
    group by week_start, channel

),

lead_cohorts as (

    select
        week_start,
        channel,
        count(*) as leads,
        count(case when is_lost then 1 end) as lost_leads
    from leads
    group by week_start, channel

)

select
    funnel_cohorts.leads as funnel_leads,
    lead_cohorts.leads as cohort_leads,
    funnel_cohorts.lost_leads as funnel_lost_leads,
    lead_cohorts.lost_leads as cohort_lost_leads,
    coalesce(funnel_cohorts.week_start, lead_cohorts.week_start) as week_start,
    coalesce(funnel_cohorts.channel, lead_cohorts.channel) as channel
from funnel_cohorts
full outer join lead_cohorts
    on
        funnel_cohorts.week_start = lead_cohorts.week_start
        and funnel_cohorts.channel = lead_cohorts.channel
where
    coalesce(funnel_cohorts.leads, -1) <> coalesce(lead_cohorts.leads, -1)
    or coalesce(funnel_cohorts.lost_leads, -1) <> coalesce(lead_cohorts.lost_leads, -1)
