-- Fails with each week whose channels disagree on whether it is maturing or complete: both
-- depend on the week alone.
-- An incremental run checks the weeks it rewrote; a full refresh checks every week
-- (restated_rows_only, dbt_project/macros/tests/restated_rows_only.sql).
select
    week_start,
    count(distinct is_maturing) as maturing_values,
    count(distinct is_complete) as complete_values
from {{ ref('channel_weekly') }}
where {{ restated_rows_only('week_start') }}
group by week_start
having count(distinct is_maturing) > 1 or count(distinct is_complete) > 1
