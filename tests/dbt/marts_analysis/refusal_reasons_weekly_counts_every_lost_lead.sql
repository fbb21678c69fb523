-- Every lost lead is counted once, in the week it was lost, reason or not.
with reasons as (

    select * from {{ ref('refusal_reasons_weekly') }}

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

expected as (

    select
        {{ business_week_start('lost_at') }} as week_start,
        count(*) as lost_leads
    from leads
    where is_lost
    group by {{ business_week_start('lost_at') }}

)

select
    counted.lost_leads as counted_lost_leads,
    expected.lost_leads as expected_lost_leads,
    coalesce(counted.week_start, expected.week_start) as week_start
from counted
full outer join expected
    on counted.week_start = expected.week_start
where coalesce(counted.lost_leads, -1) <> coalesce(expected.lost_leads, -1)
