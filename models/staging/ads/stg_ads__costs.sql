with source as (

    select * from {{ source('ads', 'costs') }}

),

renamed as (

    select
        -- the contract names this column date, a keyword, hence the quoting
        {{ dbt.safe_cast(adapter.quote('date'), 'date') }} as cost_date,
        {{ dbt.safe_cast('channel', dbt.type_string()) }} as channel,
        {{ dbt.safe_cast('campaign', dbt.type_string()) }} as campaign,
        {{ dbt.safe_cast('headline', dbt.type_string()) }} as headline,
        {{ dbt.safe_cast('impressions', dbt.type_bigint()) }} as impressions,
        {{ dbt.safe_cast('reach', dbt.type_bigint()) }} as reach,
        {{ dbt.safe_cast('clicks', dbt.type_bigint()) }} as clicks,
        {{ dbt.safe_cast('cost', 'decimal(18, 4)') }} as cost,
        {{ dbt.safe_cast('currency', dbt.type_string()) }} as currency,
        {{ dbt.safe_cast('vat_included', dbt.type_boolean()) }} as vat_included,
        {{ dbt.safe_cast('_source_file', dbt.type_string()) }} as source_file,
        {{ dbt.safe_cast('_source_line', dbt.type_bigint()) }} as source_line
    from source

),

latest_file_per_day as (

    select
        cost_date,
        channel,
        max(source_file) as source_file
    from renamed
    group by cost_date, channel

),

rows_of_latest_file as (

    select renamed.*
    from renamed
    inner join latest_file_per_day
        on
            renamed.cost_date = latest_file_per_day.cost_date
            and renamed.channel = latest_file_per_day.channel
            and renamed.source_file = latest_file_per_day.source_file

),

ranked_versions as (

    select
        *,
        row_number() over (
            partition by
                cost_date,
                channel,
                coalesce(campaign, ''),
                coalesce(headline, '')
            order by source_line desc
        ) as version_rank
    from rows_of_latest_file

),

latest_versions as (

    select * from ranked_versions
    where version_rank = 1

)

select
    cost_date,
    channel,
    campaign,
    headline,
    impressions,
    reach,
    clicks,
    cost,
    currency,
    vat_included,
    source_file,
    source_line
from latest_versions
