-- Fails with each week whose channels disagree on whether it is maturing or complete: both
-- depend on the week alone.
select
    week_start,
    count(distinct is_maturing) as maturing_values,
    count(distinct is_complete) as complete_values
from {{ ref('channel_weekly') }}
group by week_start
having count(distinct is_maturing) > 1 or count(distinct is_complete) > 1
