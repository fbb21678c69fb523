{{ config(meta={'dagster': {'ref': {'name': 'utm_sources'}}}) }}
-- A utm_source mapped twice would count its calls twice; one mapped to a channel missing from
-- the channels seed would credit calls to a channel no report knows.
with utm_sources as (

    select * from {{ ref('utm_sources') }}

),

channels as (

    select * from {{ ref('channels') }}

),

repeated_sources as (

    select
        utm_source,
        'mapped more than once' as problem
    from utm_sources
    group by utm_source
    having count(*) > 1

),

unknown_channels as (

    select
        utm_sources.utm_source,
        {{ dbt.concat(["'maps to unknown channel '", 'utm_sources.channel']) }} as problem
    from utm_sources
    left join channels
        on utm_sources.channel = channels.channel
    where channels.channel is null

)

select * from repeated_sources
union all
select * from unknown_channels
