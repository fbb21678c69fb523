with source as (

    select * from {{ source('calltracker', 'tracking_numbers') }}

),

renamed as (

    select
        {{ dbt.safe_cast('tracking_number', dbt.type_string()) }} as tracking_number,
        {{ dbt.safe_cast('channel', dbt.type_string()) }} as channel,
        {{ dbt.safe_cast('campaign', dbt.type_string()) }} as campaign,
        {{ dbt.safe_cast('number_type', dbt.type_string()) }} as number_type,
        {{ dbt.safe_cast('valid_from', 'date') }} as valid_from,
        {{ dbt.safe_cast('valid_to', 'date') }} as valid_to,
        {{ dbt.safe_cast('_source_file', dbt.type_string()) }} as source_file,
        {{ dbt.safe_cast('_source_line', dbt.type_bigint()) }} as source_line
    from source

),

ranked_versions as (

    select
        *,
        row_number() over (
            partition by tracking_number, valid_from
            order by source_file desc, source_line desc
        ) as version_rank
    from renamed

),

latest_versions as (

    select * from ranked_versions
    where version_rank = 1

)

select
    tracking_number,
    channel,
    campaign,
    number_type,
    valid_from,
    valid_to,
    source_file,
    source_line
from latest_versions
