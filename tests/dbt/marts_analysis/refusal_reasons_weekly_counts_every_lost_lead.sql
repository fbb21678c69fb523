{{ config(meta={'dagster': {'ref': {'name': 'refusal_reasons_weekly'}}}) }}
-- Every lost lead is counted once, in the week it was lost, reason or not.
-- An incremental run checks the weeks it rewrote; a full refresh checks every week
-- (restated_rows_only, dbt_project/macros/tests/restated_rows_only.sql).
with reasons as (

    select * from {{ ref('refusal_reasons_weekly') }}
    where {{ restated_rows_only('week_start') }}

),

leads as (

    select * from {{ ref('fct_leads') }}

),

counted as (

    select
        week_start,
        sum(lost_leads) as lost_leads
    from reasons
    group by week_start

),

lost_lead_weeks as (

    select {{ business_week_start('lost_at') }} as week_start
    from leads
    where is_lost

),

expected as (

    select
        week_start,
        count(*) as lost_leads
    from lost_lead_weeks
    where {{ restated_rows_only('week_start') }}
    group by week_start

)

select
    counted.lost_leads as counted_lost_leads,
    expected.lost_leads as expected_lost_leads,
    coalesce(counted.week_start, expected.week_start) as week_start
from counted
full outer join expected
    on counted.week_start = expected.week_start
where coalesce(counted.lost_leads, -1) <> coalesce(expected.lost_leads, -1)
