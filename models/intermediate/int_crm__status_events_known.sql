with status_events as (

    select * from {{ ref('stg_crm__status_events') }}

),

crm_statuses as (

    select * from {{ ref('crm_statuses') }}

),

known_status_events as (

    select
        status_events.event_id,
        status_events.lead_id,
        status_events.changed_at,
        status_events.status,
        crm_statuses.stage_order,
        crm_statuses.is_won,
        crm_statuses.is_lost,
        status_events.changed_by,
        status_events.source_file,
        status_events.source_line
    from status_events
    -- events whose status is missing from the seed are held out (listed in quarantine)
    inner join crm_statuses
        on status_events.status = crm_statuses.status

)

select * from known_status_events
