{#- The quarantine files are written by the ingestion assets; naming their raw sources here
    makes Dagster draw (and order) that lineage, since the files themselves are no asset. -#}
-- depends_on: {{ source('calltracker', 'calls') }}
-- depends_on: {{ source('calltracker', 'tracking_numbers') }}
-- depends_on: {{ source('crm', 'leads') }}
-- depends_on: {{ source('crm', 'status_events') }}
-- depends_on: {{ source('ads', 'costs') }}

with ingestion_rejects as (

    select * from {{ source('ingestion_quarantine', 'rejected_rows') }}

),

status_events as (

    select * from {{ ref('stg_crm__status_events') }}

),

costs as (

    select * from {{ ref('stg_ads__costs') }}

),

tracking_numbers as (

    select * from {{ ref('stg_calltracker__tracking_numbers') }}

),

crm_statuses as (

    select * from {{ ref('crm_statuses') }}

),

channels as (

    select * from {{ ref('channels') }}

),

ingestion_rejects_renamed as (

    select
        {{ dbt.safe_cast('source', dbt.type_string()) }} as source,
        {{ dbt.safe_cast('source_file', dbt.type_string()) }} as source_file,
        {{ dbt.safe_cast('source_line', dbt.type_bigint()) }} as source_line,
        {{ dbt.safe_cast('reason', dbt.type_string()) }} as reason,
        {{ dbt.safe_cast('raw_record', dbt.type_string()) }} as raw_record,
        'ingestion' as held_out_by
    from ingestion_rejects

),

status_events_with_unknown_status as (

    select
        'crm_status_events' as source,
        status_events.source_file,
        status_events.source_line,
        'unknown_code:status' as reason,
        {{ record_as_json({
            'event_id': 'status_events.event_id',
            'lead_id': 'status_events.lead_id',
            'changed_at': 'status_events.changed_at',
            'status': 'status_events.status',
            'changed_by': 'status_events.changed_by',
        }) }} as raw_record,
        'dbt' as held_out_by
    from status_events
    left join crm_statuses
        on status_events.status = crm_statuses.status
    where crm_statuses.status is null

),

costs_with_unknown_channel as (

    select
        'ad_costs' as source,
        costs.source_file,
        costs.source_line,
        'unknown_code:channel' as reason,
        {{ record_as_json({
            'date': 'costs.cost_date',
            'channel': 'costs.channel',
            'campaign': 'costs.campaign',
            'headline': 'costs.headline',
            'impressions': 'costs.impressions',
            'reach': 'costs.reach',
            'clicks': 'costs.clicks',
            'cost': 'costs.cost',
            'currency': 'costs.currency',
            'vat_included': 'costs.vat_included',
        }) }} as raw_record,
        'dbt' as held_out_by
    from costs
    left join channels
        on costs.channel = channels.channel
    where channels.channel is null

),

tracking_numbers_with_unknown_channel as (

    select
        'tracking_numbers' as source,
        tracking_numbers.source_file,
        tracking_numbers.source_line,
        'unknown_code:channel' as reason,
        {{ record_as_json({
            'tracking_number': 'tracking_numbers.tracking_number',
            'channel': 'tracking_numbers.channel',
            'campaign': 'tracking_numbers.campaign',
            'number_type': 'tracking_numbers.number_type',
            'valid_from': 'tracking_numbers.valid_from',
            'valid_to': 'tracking_numbers.valid_to',
        }) }} as raw_record,
        'dbt' as held_out_by
    from tracking_numbers
    left join channels
        on tracking_numbers.channel = channels.channel
    where channels.channel is null

),

all_held_out_rows as (

    select * from ingestion_rejects_renamed
    union all
    select * from status_events_with_unknown_status
    union all
    select * from costs_with_unknown_channel
    union all
    select * from tracking_numbers_with_unknown_channel

)

select
    source,
    source_file,
    source_line,
    reason,
    raw_record,
    held_out_by
from all_held_out_rows
