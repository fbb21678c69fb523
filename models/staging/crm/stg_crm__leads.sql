{{
    config(
        materialized='incremental',
        incremental_strategy='latest_version',
        unique_key='lead_id',
        on_schema_change='fail',
    )
}}

{#- The model's columns, in order; `latest_versions` adds staged_at. -#}
{%- set columns = [
    'lead_id',
    'created_at',
    'contact_phone',
    'contact_key',
    'call_id',
    'manager_id',
    'call_outcome',
    'quality_score',
    'refusal_reason',
    'amount',
    'currency',
    'updated_at',
    'source_file',
    'source_line',
    'ingested_at',
] %}

with source as {{ not_materialized() }} (

    select * from {{ source('crm', 'leads') }}

),

renamed as {{ not_materialized() }} (

    select
        {{ dbt.safe_cast('lead_id', dbt.type_string()) }} as lead_id,
        {{ dbt.safe_cast('created_at', dbt.type_timestamp()) }} as created_at,
        {{ dbt.safe_cast('contact_phone', dbt.type_string()) }} as contact_phone,
        {{ dbt.safe_cast('contact_key', dbt.type_string()) }} as contact_key,
        {{ dbt.safe_cast('call_id', dbt.type_string()) }} as call_id,
        {{ dbt.safe_cast('manager_id', dbt.type_string()) }} as manager_id,
        {{ dbt.safe_cast('call_outcome', dbt.type_string()) }} as call_outcome,
        {{ dbt.safe_cast('quality_score', dbt.type_bigint()) }} as quality_score,
        {{ dbt.safe_cast('refusal_reason', dbt.type_string()) }} as refusal_reason,
        {{ dbt.safe_cast('amount', 'decimal(18, 4)') }} as amount,
        {{ dbt.safe_cast('currency', dbt.type_string()) }} as currency,
        {{ dbt.safe_cast('updated_at', dbt.type_timestamp()) }} as updated_at,
        {{ dbt.safe_cast('_source_file', dbt.type_string()) }} as source_file,
        {{ dbt.safe_cast('_source_line', dbt.type_bigint()) }} as source_line,
        {{ dbt.safe_cast('_ingested_at', dbt.type_timestamp()) }} as ingested_at
    from source

),

{{ latest_version_ctes(
    typed='renamed',
    source_relation=source('crm', 'leads'),
    key='lead_id',
    order_by='updated_at desc, source_file desc, source_line desc',
    columns=columns,
) }}

select * from latest_versions
