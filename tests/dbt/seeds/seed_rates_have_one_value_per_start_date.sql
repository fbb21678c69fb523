{{ config(meta={'dagster': {'ref': {'name': 'fx_rates'}}}) }}
-- Two rates starting on the same day leave the rate of that day undefined.
with fx_rates as (

    select * from {{ ref('fx_rates') }}

),

vat_rates as (

    select * from {{ ref('vat_rates') }}

),

repeated_fx_starts as (

    select
        'fx_rates' as seed_name,
        currency,
        valid_from
    from fx_rates
    group by currency, valid_from
    having count(*) > 1

),

repeated_vat_starts as (

    select
        'vat_rates' as seed_name,
        cast(null as {{ dbt.type_string() }}) as currency,
        valid_from
    from vat_rates
    group by valid_from
    having count(*) > 1

)

select * from repeated_fx_starts
union all
select * from repeated_vat_starts
