{{ config(meta={'dagster': {'ref': {'name': 'attribution_weekly'}}}) }}
-- Under every model, each week's credits add up to that week's deals and revenue (cohort view).
-- Reads every week on every run: attribution_weekly is rebuilt whole from the leads of all weeks.
with attribution as (

    select * from {{ ref('attribution_weekly') }}

),

leads as (

    select * from {{ ref('fct_leads') }}

),

models as (

    select 'first_touch' as attribution_model
    union all
    select 'last_touch' as attribution_model
    union all
    select 'linear' as attribution_model
    union all
    select 'position_based' as attribution_model

),

week_deals as (

    select
        week_start,
        count(*) as deals,
        coalesce(sum(revenue_rub), 0) as revenue_rub
    from leads
    where is_won
    group by week_start

),

expected as (

    select
        models.attribution_model,
        week_deals.week_start,
        week_deals.deals,
        week_deals.revenue_rub
    from models
    cross join week_deals

),

credited as (

    select
        model as attribution_model,  -- noqa: RF04
        week_start,
        sum(attributed_deals) as deals,
        coalesce(sum(attributed_revenue_rub), 0) as revenue_rub
    from attribution
    group by model, week_start  -- noqa: RF04

)

select
    expected.deals as week_deals,
    credited.deals as credited_deals,
    expected.revenue_rub as week_revenue_rub,
    credited.revenue_rub as credited_revenue_rub,
    coalesce(expected.attribution_model, credited.attribution_model) as attribution_model,
    coalesce(expected.week_start, credited.week_start) as week_start
from expected
full outer join credited
    on
        expected.attribution_model = credited.attribution_model
        and expected.week_start = credited.week_start
where
    expected.attribution_model is null
    or credited.attribution_model is null
    -- credits are rounded to 6 decimals per channel
    or abs(expected.deals - credited.deals) > 0.0001
    or abs(expected.revenue_rub - credited.revenue_rub) > 0.01
