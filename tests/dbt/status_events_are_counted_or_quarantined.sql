{{ config(meta={'dagster': {'ref': {'name': 'int_crm__status_events_known'}}}) }}
-- Every staged status event is either in the figures or listed in quarantine, never both or
-- neither; returns the events for which that fails.
-- After a full refresh it reconciles every staged event; after an incremental run, the events
-- that run staged (the rows of the files it read), as the staging model's own tests do.
with status_events as (

    select * from {{ ref('stg_crm__status_events') }}
    where {{ staged_rows_only(ref('stg_crm__status_events')) }}

),

known_status_events as (

    select * from {{ ref('int_crm__status_events_known') }}
    {%- if not flags.FULL_REFRESH %}
        where event_id in (select status_events.event_id from status_events)
    {%- endif %}

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

counted as (

    -- a plain count: an event counted twice is as wrong as one never counted
    select
        event_id,
        count(*) as times_counted
    from known_status_events
    group by event_id

),

quarantined as (

    select
        source_file,
        source_line,
        count(*) as times_quarantined
    from held_out_status_events
    group by source_file, source_line

),

placements as (

    select
        status_events.event_id,
        status_events.status,
        coalesce(counted.times_counted, 0) as times_counted,
        coalesce(quarantined.times_quarantined, 0) as times_quarantined
    from status_events
    left join counted
        on status_events.event_id = counted.event_id
    left join quarantined
        on
            status_events.source_file = quarantined.source_file
            and status_events.source_line = quarantined.source_line

)

select * from placements
where times_counted + times_quarantined <> 1
