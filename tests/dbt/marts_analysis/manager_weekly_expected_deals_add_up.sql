{{ config(meta={'dagster': {'ref': {'name': 'manager_weekly'}}}) }}
-- Over all managers of a week, leads and deals are the week's, and expected deals add up to
-- actual deals (each channel's rate comes from the same leads).
-- An incremental run checks the weeks it rewrote; a full refresh checks every week
-- (restated_rows_only, dbt_project/macros/tests/restated_rows_only.sql).
with managers as (

    select * from {{ ref('manager_weekly') }}
    where {{ restated_rows_only('week_start') }}

),

leads as (

    select * from {{ ref('fct_leads') }}
    where {{ restated_rows_only('week_start') }}

),

manager_totals as (

    select
        week_start,
        sum(leads) as leads,
        sum(deals) as deals,
        sum(expected_deals) as expected_deals
    from managers
    group by week_start

),

week_totals as (

    select
        week_start,
        count(*) as leads,
        count(case when is_won then 1 end) as deals
    from leads
    group by week_start

)

select
    manager_totals.leads as manager_leads,
    week_totals.leads as week_leads,
    manager_totals.deals as manager_deals,
    week_totals.deals as week_deals,
    manager_totals.expected_deals,
    coalesce(manager_totals.week_start, week_totals.week_start) as week_start
from manager_totals
full outer join week_totals
    on manager_totals.week_start = week_totals.week_start
where
    coalesce(manager_totals.leads, -1) <> coalesce(week_totals.leads, -1)
    or coalesce(manager_totals.deals, -1) <> coalesce(week_totals.deals, -1)
    -- single-precision rates: allow a relative error of 0.01%
    or abs(manager_totals.expected_deals - manager_totals.deals) > 0.0001 * manager_totals.deals
