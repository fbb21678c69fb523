with costs as (

    select * from {{ ref('stg_ads__costs') }}

),

channels as (

    select * from {{ ref('channels') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

vat_rates as (

    select * from {{ ref('vat_rates') }}

),

known_channel_costs as (

    select costs.*
    from costs
    -- rows whose channel is missing from the seed are held out (listed in quarantine)
    inner join channels
        on costs.channel = channels.channel

),

currency_days as (

    select distinct
        currency,
        cost_date
    from known_channel_costs

),

ranked_fx_rates as (

    select
        currency_days.currency,
        currency_days.cost_date,
        fx_rates.rate_to_rub,
        row_number() over (
            partition by currency_days.currency, currency_days.cost_date
            order by fx_rates.valid_from desc
        ) as rate_rank
    from currency_days
    inner join fx_rates
        on
            currency_days.currency = fx_rates.currency
            and currency_days.cost_date >= fx_rates.valid_from

),

fx_rate_per_day as (

    select
        currency,
        cost_date,
        rate_to_rub
    from ranked_fx_rates
    where rate_rank = 1

),

cost_days as (

    select distinct cost_date
    from known_channel_costs

),

ranked_vat_rates as (

    select
        cost_days.cost_date,
        vat_rates.rate as vat_rate,
        row_number() over (
            partition by cost_days.cost_date
            order by vat_rates.valid_from desc
        ) as rate_rank
    from cost_days
    inner join vat_rates
        on cost_days.cost_date >= vat_rates.valid_from

),

vat_rate_per_day as (

    select
        cost_date,
        vat_rate
    from ranked_vat_rates
    where rate_rank = 1

),

converted as (

    select
        known_channel_costs.*,
        {{ week_start('known_channel_costs.cost_date') }} as week_start,
        case
            when known_channel_costs.currency = 'RUB' then 1
            else fx_rate_per_day.rate_to_rub
        end as fx_rate_to_rub,
        vat_rate_per_day.vat_rate
    from known_channel_costs
    left join fx_rate_per_day
        on
            known_channel_costs.currency = fx_rate_per_day.currency
            and known_channel_costs.cost_date = fx_rate_per_day.cost_date
    left join vat_rate_per_day
        on known_channel_costs.cost_date = vat_rate_per_day.cost_date

),

with_rub_amounts as (

    select
        *,
        cast(cost * fx_rate_to_rub as {{ dbt.type_numeric() }}) as cost_rub,
        cast(
            case
                when vat_included then cost * fx_rate_to_rub / (1 + vat_rate)
                else cost * fx_rate_to_rub
            end as {{ dbt.type_numeric() }}
        ) as spend_rub
    from converted

)

select
    cost_date,
    week_start,
    channel,
    campaign,
    headline,
    impressions,
    reach,
    clicks,
    cost,
    currency,
    vat_included,
    fx_rate_to_rub,
    vat_rate,
    cost_rub,
    spend_rub,
    source_file,
    source_line
from with_rub_amounts
