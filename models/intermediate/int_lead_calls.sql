with leads as (

    select * from {{ ref('stg_crm__leads') }}

),

calls as (

    select * from {{ ref('int_calls_attributed') }}

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
        calls.call_id,
        row_number() over (
            partition by leads_without_call_id_link.lead_id
            order by calls.started_at desc, calls.call_id desc
        ) as recency_rank
    from leads_without_call_id_link
    inner join calls
        on
            leads_without_call_id_link.contact_key = calls.caller_key
            and calls.direction = 'inbound'
            and leads_without_call_id_link.created_at >= calls.started_at
            and calls.started_at >= {{ dbt.dateadd(
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
        calls.started_at as call_started_at
    from all_links
    inner join leads
        on all_links.lead_id = leads.lead_id
    inner join calls
        on all_links.call_id = calls.call_id

)

select * from links_with_times
