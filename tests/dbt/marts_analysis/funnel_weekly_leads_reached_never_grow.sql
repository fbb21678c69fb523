-- Along a cohort's funnel, each stage is reached by no more leads than the stage before it.
with funnel as (

    select * from {{ ref('funnel_weekly') }}

)

select
    week_start,
    channel,
    stage,
    leads_reached,
    previous_stage_leads_reached
from funnel
where leads_reached > previous_stage_leads_reached
