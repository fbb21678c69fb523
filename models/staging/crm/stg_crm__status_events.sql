with source as (

    select * from {{ source('crm', 'status_events') }}

),

renamed as (

    select
        {{ dbt.safe_cast('event_id', dbt.type_string()) }} as event_id,
        {{ dbt.safe_cast('lead_id', dbt.type_string()) }} as lead_id,
        {{ dbt.safe_cast('changed_at', dbt.type_timestamp()) }} as changed_at,
        {{ dbt.safe_cast('status', dbt.type_string()) }} as status,
        {{ dbt.safe_cast('changed_by', dbt.type_string()) }} as changed_by,
        {{ dbt.safe_cast('_source_file', dbt.type_string()) }} as source_file,
        {{ dbt.safe_cast('_source_line', dbt.type_bigint()) }} as source_line
    from source

),

ranked_versions as (

    select
        *,
        row_number() over (
            partition by event_id
            order by source_file desc, source_line desc
        ) as version_rank
    from renamed

),

latest_versions as (

    select * from ranked_versions
    where version_rank = 1

)

select
    event_id,
    lead_id,
    changed_at,
    status,
    changed_by,
    source_file,
    source_line
from latest_versions
