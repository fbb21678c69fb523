-- Along a cohort's funnel, each stage is reached by no more leads than the stage before it.
-- An incremental run checks the weeks it rewrote; a full refresh checks every week
-- (restated_rows_only, dbt_project/macros/tests/restated_rows_only.sql).
with funnel as (

    select * from {{ ref('funnel_weekly') }}
    where {{ restated_rows_only('week_start') }}

)

select
    week_start,
    channel,
    stage,
    leads_reached,
    previous_stage_leads_reached
from funnel
where leads_reached > previous_stage_leads_reached
