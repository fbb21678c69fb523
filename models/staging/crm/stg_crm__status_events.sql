{{
    config(
        materialized='incremental',
        incremental_strategy='latest_version',
        unique_key='event_id',
        on_schema_change='fail',
    )
}}

{#- The model's columns, in order; `latest_versions` adds staged_at. -#}
{%- set columns = [
    'event_id',
    'lead_id',
    'changed_at',
    'status',
    'changed_by',
    'source_file',
    'source_line',
    'ingested_at',
] %}

with source as {{ not_materialized() }} (

    select * from {{ source('crm', 'status_events') }}

),

renamed as {{ not_materialized() }} (

    select
        {{ dbt.safe_cast('event_id', dbt.type_string()) }} as event_id,
        {{ dbt.safe_cast('lead_id', dbt.type_string()) }} as lead_id,
        {{ dbt.safe_cast('changed_at', dbt.type_timestamp()) }} as changed_at,
        {{ dbt.safe_cast('status', dbt.type_string()) }} as status,
        {{ dbt.safe_cast('changed_by', dbt.type_string()) }} as changed_by,
        {{ dbt.safe_cast('_source_file', dbt.type_string()) }} as source_file,
        {{ dbt.safe_cast('_source_line', dbt.type_bigint()) }} as source_line,
        {{ dbt.safe_cast('_ingested_at', dbt.type_timestamp()) }} as ingested_at
    from source

),

{{ latest_version_ctes(
    typed='renamed',
    source_relation=source('crm', 'status_events'),
    key='event_id',
    order_by='source_file desc, source_line desc',
    columns=columns,
) }}

select * from latest_versions
