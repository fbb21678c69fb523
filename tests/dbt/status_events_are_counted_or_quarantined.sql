-- Every staged status event is either in the figures or listed in quarantine, never both or
-- neither; returns the events for which that fails.
with status_events as (

    select * from {{ ref('stg_crm__status_events') }}

),

known_status_events as (

    select * from {{ ref('int_crm__status_events_known') }}

),

quarantine as (

    select * from {{ ref('quarantine') }}

),

held_out_status_events as (

    select
        source_file,
        source_line
    from quarantine
    where held_out_by = 'dbt' and source = 'crm_status_events'

),

placements as (

    select
        status_events.event_id,
        status_events.status,
        count(distinct known_status_events.event_id) as times_counted,
        count(held_out_status_events.source_line) as times_quarantined
    from status_events
    left join known_status_events
        on status_events.event_id = known_status_events.event_id
    left join held_out_status_events
        on
            status_events.source_file = held_out_status_events.source_file
            and status_events.source_line = held_out_status_events.source_line
    group by status_events.event_id, status_events.status

)

select * from placements
where times_counted + times_quarantined <> 1
