-- A repeated channel code would count the rows joined to it twice.
select
    channel,
    count(*) as occurrences
from {{ ref('channels') }}
group by channel
having count(*) > 1
