{%- set as_of_utc = as_of_timestamp() -%}

with channel_days as (

    select * from {{ ref('int_channel_daily') }}

),

channels as (

    select * from {{ ref('channels') }}

),

run_moment as (

    -- the week of the run's as_of moment (business time) decides which quarters are maturing
    select
        {{ business_date(as_of_utc) }} as as_of_date,
        {{ business_week_start(as_of_utc) }} as as_of_week_start

),

days_in_quarters as (

    -- built from days, so a week that spans two quarters is split between them by day
    select
        cast({{ dbt.date_trunc('quarter', 'calendar_date') }} as date) as quarter_start,
        channel_days.*
    from channel_days

),

channel_quarters as (

    select
        quarter_start,
        channel,
        {{ channel_measure_sums() }}
    from days_in_quarters
    group by quarter_start, channel

),

quarters_with_status as (

    select
        channel_quarters.*,
        -- maturing when the quarter holds a maturing week: it ends after the first one starts
        cast({{ dbt.dateadd('quarter', 1, 'channel_quarters.quarter_start') }} as date)
        > cast({{ dbt.dateadd(
            'week', -1 * var('maturing_weeks'), 'run_moment.as_of_week_start'
        ) }} as date) as is_maturing,
        cast({{ dbt.dateadd('quarter', 1, 'channel_quarters.quarter_start') }} as date)
        <= run_moment.as_of_date as is_complete,
        channels.is_paid
    from channel_quarters
    cross join run_moment
    left join channels
        on channel_quarters.channel = channels.channel

),

quarters_with_ratios as (

    select
        quarter_start,
        channel,
        coalesce(is_paid, false) as is_paid,
        is_maturing,
        is_complete,
        {{ channel_measure_columns() }}
    from quarters_with_status

)

select
    quarter_start,
    channel,
    is_paid,
    is_maturing,
    is_complete,
    {{ channel_measure_names() }}
from quarters_with_ratios
