{#- Restated by the lead's cohort week, as int_leads is: the links of the leads created in the
    window's weeks. A lead's call may be older than the window (a named call of any age, a
    phone match up to lead_call_lookback_days back), so calls are read from all history. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='restatement_window',
        meta={'restated_by': 'lead_week_start'},
        on_schema_change='fail',
    )
}}

with staged_leads as (

    -- created_at is UTC: a day's margin keeps the window's first business-time hours
    select * from {{ ref('stg_crm__leads') }}
    {{ in_restatement_window('created_at', margin_days=1) }}

),

calls as (

    select * from {{ ref('int_calls_attributed') }}

),

leads_with_week as (

    select
        *,
        {{ business_week_start('created_at') }} as week_start
    from staged_leads

),

leads as (

    select * from leads_with_week
    {{ in_restatement_window('week_start') }}

),

inbound_calls_in_reach as (

    -- the calls a phone match can reach: inbound, from the lookback before the window on
    select
        call_id,
        caller_key,
        started_at
    from calls
    where direction = 'inbound'
    {%- if is_incremental() %}
        and started_at >= {{ dbt.dateadd(
            'day',
            -1 * (var('lead_call_lookback_days') + 1),
            restatement_window_start(),
        ) }}
    {%- endif %}

),

links_by_call_id as (

    select
        leads.lead_id,
        calls.call_id,
        'call_id' as link_rule
    from leads
    inner join calls
        on leads.call_id = calls.call_id

),

leads_without_call_id_link as (

    select leads.*
    from leads
    left join links_by_call_id
        on leads.lead_id = links_by_call_id.lead_id
    where links_by_call_id.lead_id is null

),

ranked_phone_matches as (

    select
        leads_without_call_id_link.lead_id,
        inbound_calls_in_reach.call_id,
        row_number() over (
            partition by leads_without_call_id_link.lead_id
            order by inbound_calls_in_reach.started_at desc, inbound_calls_in_reach.call_id desc
        ) as recency_rank
    from leads_without_call_id_link
    inner join inbound_calls_in_reach
        on
            leads_without_call_id_link.contact_key = inbound_calls_in_reach.caller_key
            and leads_without_call_id_link.created_at >= inbound_calls_in_reach.started_at
            and inbound_calls_in_reach.started_at >= {{ dbt.dateadd(
                'day',
                -1 * var('lead_call_lookback_days'),
                'leads_without_call_id_link.created_at',
            ) }}

),

links_by_phone_match as (

    select
        lead_id,
        call_id,
        'phone_match' as link_rule
    from ranked_phone_matches
    where recency_rank = 1

),

all_links as (

    select * from links_by_call_id
    union all
    select * from links_by_phone_match

),

links_with_times as (

    select
        all_links.lead_id,
        all_links.call_id,
        all_links.link_rule,
        leads.created_at as lead_created_at,
        leads.week_start as lead_week_start,
        calls.started_at as call_started_at
    from all_links
    inner join leads
        on all_links.lead_id = leads.lead_id
    inner join calls
        on all_links.call_id = calls.call_id

)

select * from links_with_times
