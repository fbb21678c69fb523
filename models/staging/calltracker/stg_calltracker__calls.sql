{{
    config(
        materialized='incremental',
        incremental_strategy='latest_version',
        unique_key='call_id',
        on_schema_change='fail',
    )
}}

{#- The model's columns, in order; `latest_versions` adds staged_at. -#}
{%- set columns = [
    'call_id',
    'started_at',
    'direction',
    'tracking_number',
    'caller_number',
    'caller_key',
    'call_status',
    'wait_seconds',
    'talk_seconds',
    'utm_source',
    'utm_medium',
    'utm_campaign',
    'utm_content',
    'session_id',
    'manager_id',
    'source_file',
    'source_line',
    'ingested_at',
] %}

with source as {{ not_materialized() }} (

    select * from {{ source('calltracker', 'calls') }}

),

renamed as {{ not_materialized() }} (

    select
        {{ dbt.safe_cast('call_id', dbt.type_string()) }} as call_id,
        {{ dbt.safe_cast('started_at', dbt.type_timestamp()) }} as started_at,
        {{ dbt.safe_cast('direction', dbt.type_string()) }} as direction,
        {{ dbt.safe_cast('tracking_number', dbt.type_string()) }} as tracking_number,
        {{ dbt.safe_cast('caller_number', dbt.type_string()) }} as caller_number,
        {{ dbt.safe_cast('caller_key', dbt.type_string()) }} as caller_key,
        {{ dbt.safe_cast('status', dbt.type_string()) }} as call_status,
        {{ dbt.safe_cast('wait_seconds', dbt.type_bigint()) }} as wait_seconds,
        {{ dbt.safe_cast('talk_seconds', dbt.type_bigint()) }} as talk_seconds,
        {{ dbt.safe_cast('utm_source', dbt.type_string()) }} as utm_source,
        {{ dbt.safe_cast('utm_medium', dbt.type_string()) }} as utm_medium,
        {{ dbt.safe_cast('utm_campaign', dbt.type_string()) }} as utm_campaign,
        {{ dbt.safe_cast('utm_content', dbt.type_string()) }} as utm_content,
        {{ dbt.safe_cast('session_id', dbt.type_string()) }} as session_id,
        {{ dbt.safe_cast('manager_id', dbt.type_string()) }} as manager_id,
        {{ dbt.safe_cast('_source_file', dbt.type_string()) }} as source_file,
        {{ dbt.safe_cast('_source_line', dbt.type_bigint()) }} as source_line,
        {{ dbt.safe_cast('_ingested_at', dbt.type_timestamp()) }} as ingested_at
    from source

),

{{ latest_version_ctes(
    typed='renamed',
    source_relation=source('calltracker', 'calls'),
    key='call_id',
    order_by='source_file desc, source_line desc',
    columns=columns,
) }}

select * from latest_versions
