-- Each week and channel's shares of lost leads add up to 1, and the counts to the total.
-- An incremental run checks the weeks it rewrote; a full refresh checks every week
-- (restated_rows_only, dbt_project/macros/tests/restated_rows_only.sql).
with reasons as (

    select * from {{ ref('refusal_reasons_weekly') }}
    where {{ restated_rows_only('week_start') }}

),

channel_weeks as (

    select
        week_start,
        channel,
        sum(share_of_channel_lost) as total_share,
        sum(lost_leads) as total_lost_leads,
        min(channel_lost_leads) as smallest_channel_total,
        max(channel_lost_leads) as largest_channel_total
    from reasons
    group by week_start, channel

)

select
    week_start,
    channel,
    total_share,
    total_lost_leads,
    smallest_channel_total,
    largest_channel_total
from channel_weeks
where
    abs(total_share - 1) > 0.000001
    or total_lost_leads <> smallest_channel_total
    or smallest_channel_total <> largest_channel_total
