{{
    config(
        materialized='incremental',
        incremental_strategy='restatement_window',
        meta={'restated_by': 'week_start'},
        on_schema_change='fail',
    )
}}

with leads as (

    select * from {{ ref('fct_leads') }}

),

lost_leads as (

    select
        lead_id,
        channel,
        {{ business_week_start('lost_at') }} as week_start,
        -- a lost lead without a recorded reason stays in the figures under its own code
        coalesce(refusal_reason, 'not_filled') as refusal_reason
    from leads
    where is_lost and lost_at is not null

),

lost_leads_to_build as (

    -- an incremental run restates the window's weeks only
    select * from lost_leads
    {{ in_restatement_window('week_start') }}

),

reason_counts as (

    select
        week_start,
        channel,
        refusal_reason,
        count(*) as lost_leads
    from lost_leads_to_build
    group by week_start, channel, refusal_reason

),

reason_counts_with_channel_total as (

    select
        *,
        sum(lost_leads) over (partition by week_start, channel) as channel_lost_leads
    from reason_counts

)

select
    week_start,
    channel,
    refusal_reason,
    cast(lost_leads as {{ dbt.type_int() }}) as lost_leads,
    cast(channel_lost_leads as {{ dbt.type_int() }}) as channel_lost_leads,
    {{ safe_divide('lost_leads', 'channel_lost_leads') }} as share_of_channel_lost
from reason_counts_with_channel_total
