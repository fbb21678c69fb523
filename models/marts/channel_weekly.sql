{{
    config(
        materialized='incremental',
        incremental_strategy='restatement_window',
        meta={'restated_by': 'week_start'},
        on_schema_change='fail',
    )
}}

{%- set as_of_utc = as_of_timestamp() -%}

with channel_days as (

    -- an incremental run restates the window's weeks only (they start on a Monday)
    select * from {{ ref('int_channel_daily') }}
    {{ in_restatement_window('calendar_date') }}

),

channels as (

    select * from {{ ref('channels') }}

),

run_moment as (

    -- the week of the run's as_of moment (business time) decides which weeks are maturing
    select
        {{ business_date(as_of_utc) }} as as_of_date,
        {{ business_week_start(as_of_utc) }} as as_of_week_start

),

days_in_weeks as (

    select
        {{ week_start('calendar_date') }} as week_start,
        channel_days.*
    from channel_days

),

channel_weeks as (

    select
        week_start,
        channel,
        {{ channel_measure_sums() }}
    from days_in_weeks
    group by week_start, channel

),

weeks_with_status as (

    select
        channel_weeks.*,
        channel_weeks.week_start >= cast({{ dbt.dateadd(
            'week', -1 * var('maturing_weeks'), 'run_moment.as_of_week_start'
        ) }} as date) as is_maturing,
        cast({{ dbt.dateadd('day', 7, 'channel_weeks.week_start') }} as date)
        <= run_moment.as_of_date as is_complete,
        channels.is_paid
    from channel_weeks
    cross join run_moment
    left join channels
        on channel_weeks.channel = channels.channel

),

weeks_with_ratios as (

    select
        week_start,
        channel,
        coalesce(is_paid, false) as is_paid,
        is_maturing,
        is_complete,
        {{ channel_measure_columns() }}
    from weeks_with_status

)

select
    week_start,
    channel,
    is_paid,
    is_maturing,
    is_complete,
    {{ channel_measure_names() }}
from weeks_with_ratios
