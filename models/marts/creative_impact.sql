with calls as (

    select * from {{ ref('fct_calls') }}

),

costs as (

    select * from {{ ref('int_ads__costs_known') }}

),

cost_rows as (

    select
        channel,
        campaign,
        spend_rub,
        cost_date as activity_date,
        -- an empty headline is no headline
        nullif(headline, '') as headline
    from costs
    where campaign is not null and campaign <> ''

),

campaigns as (

    select distinct
        channel,
        campaign
    from cost_rows

),

cost_days as (

    select
        channel,
        campaign,
        activity_date,
        count(distinct headline) as headline_count,
        min(headline) as first_headline,
        sum(spend_rub) as spend_rub
    from cost_rows
    group by channel, campaign, activity_date

),

campaign_calls as (

    -- calls reach a campaign through their tracking number (or utm) campaign, on the call's day
    select
        calls.channel,
        calls.campaign,
        {{ business_date('calls.started_at') }} as activity_date,
        calls.is_answered,
        calls.is_quality_call,
        calls.is_application_call,
        calls.talk_seconds
    from calls
    inner join campaigns
        on
            calls.channel = campaigns.channel
            and calls.campaign = campaigns.campaign
    where calls.direction = 'inbound'

),

call_days as (

    select
        channel,
        campaign,
        activity_date,
        count(*) as calls,
        count(case when is_answered then 1 end) as answered_calls,
        count(case when is_quality_call then 1 end) as quality_calls,
        count(case when is_application_call then 1 end) as application_calls,
        sum(case when is_answered then talk_seconds end) as answered_talk_seconds
    from campaign_calls
    group by channel, campaign, activity_date

),

campaign_days as (

    select
        cost_days.first_headline,
        cost_days.spend_rub,
        call_days.answered_talk_seconds,
        coalesce(cost_days.channel, call_days.channel) as channel,
        coalesce(cost_days.campaign, call_days.campaign) as campaign,
        coalesce(cost_days.activity_date, call_days.activity_date) as activity_date,
        coalesce(cost_days.headline_count, 0) as headline_count,
        coalesce(call_days.calls, 0) as calls,
        coalesce(call_days.answered_calls, 0) as answered_calls,
        coalesce(call_days.quality_calls, 0) as quality_calls,
        coalesce(call_days.application_calls, 0) as application_calls
    from cost_days
    full outer join call_days
        on
            cost_days.channel = call_days.channel
            and cost_days.campaign = call_days.campaign
            and cost_days.activity_date = call_days.activity_date

),

classified_days as (

    select
        *,
        case
            when headline_count = 1 then 'single_headline'
            when headline_count > 1 then 'mixed_headlines'
            else 'no_headline'
        end as day_type,
        case when headline_count = 1 then first_headline end as day_headline
    from campaign_days

),

days_with_previous_day as (

    select
        *,
        lag(activity_date) over (
            partition by channel, campaign order by activity_date
        ) as previous_date,
        lag(day_type) over (
            partition by channel, campaign order by activity_date
        ) as previous_day_type,
        lag(day_headline) over (
            partition by channel, campaign order by activity_date
        ) as previous_day_headline
    from classified_days

),

days_with_gap as (

    select
        *,
        cast({{ dbt.dateadd('day', 1, 'previous_date') }} as date) as day_after_previous
    from days_with_previous_day

),

period_starts as (

    -- a period ends when the day type or headline changes or a calendar day is skipped
    select
        *,
        case
            when previous_date is null then 1
            when activity_date <> day_after_previous then 1
            when previous_day_type <> day_type then 1
            when coalesce(previous_day_headline, '') <> coalesce(day_headline, '') then 1
            else 0
        end as starts_period
    from days_with_gap

),

numbered_days as (

    select
        *,
        sum(starts_period) over (
            partition by channel, campaign
            order by activity_date
            rows between unbounded preceding and current row
        ) as period_number
    from period_starts

),

mixed_day_headlines as (

    select distinct
        numbered_days.channel,
        numbered_days.campaign,
        numbered_days.period_number,
        cost_rows.headline
    from numbered_days
    inner join cost_rows
        on
            numbered_days.channel = cost_rows.channel
            and numbered_days.campaign = cost_rows.campaign
            and numbered_days.activity_date = cost_rows.activity_date
    where numbered_days.day_type = 'mixed_headlines' and cost_rows.headline is not null

),

mixed_period_labels as (

    select
        channel,
        campaign,
        period_number,
        {{ dbt.listagg('headline', "' | '", 'order by headline') }} as headline_label
    from mixed_day_headlines
    group by channel, campaign, period_number

),

periods as (

    select
        channel,
        campaign,
        period_number,
        min(day_type) as period_type,
        min(day_headline) as single_headline,
        min(activity_date) as first_day,
        max(activity_date) as last_day,
        count(*) as days_in_period,
        coalesce(sum(spend_rub), 0) as spend_rub,
        sum(calls) as calls,
        sum(answered_calls) as answered_calls,
        sum(quality_calls) as quality_calls,
        sum(application_calls) as application_calls,
        sum(answered_talk_seconds) as answered_talk_seconds
    from numbered_days
    group by channel, campaign, period_number

),

period_rates as (

    select
        periods.*,
        case
            when periods.period_type = 'single_headline' then periods.single_headline
            when periods.period_type = 'mixed_headlines' then mixed_period_labels.headline_label
        end as headline,
        {{ safe_divide('periods.answered_talk_seconds', 'periods.answered_calls') }}
            as avg_talk_seconds,
        {{ safe_divide('periods.quality_calls', 'periods.calls') }} as quality_call_rate,
        {{ safe_divide('periods.application_calls', 'periods.calls') }} as application_rate
    from periods
    left join mixed_period_labels
        on
            periods.channel = mixed_period_labels.channel
            and periods.campaign = mixed_period_labels.campaign
            and periods.period_number = mixed_period_labels.period_number

),

headline_periods_with_previous as (

    -- a headline period is compared with the campaign's previous headline period only
    select
        channel,
        campaign,
        period_number,
        lag(headline) over (
            partition by channel, campaign order by first_day
        ) as previous_headline,
        lag(avg_talk_seconds) over (
            partition by channel, campaign order by first_day
        ) as previous_avg_talk_seconds,
        lag(quality_call_rate) over (
            partition by channel, campaign order by first_day
        ) as previous_quality_call_rate,
        lag(application_rate) over (
            partition by channel, campaign order by first_day
        ) as previous_application_rate
    from period_rates
    where period_type = 'single_headline'

),

periods_with_changes as (

    select
        period_rates.*,
        headline_periods_with_previous.previous_headline,
        period_rates.avg_talk_seconds
        - headline_periods_with_previous.previous_avg_talk_seconds as avg_talk_seconds_change,
        100 * (
            period_rates.quality_call_rate
            - headline_periods_with_previous.previous_quality_call_rate
        ) as quality_call_rate_change,
        100 * (
            period_rates.application_rate
            - headline_periods_with_previous.previous_application_rate
        ) as application_rate_change
    from period_rates
    left join headline_periods_with_previous
        on
            period_rates.channel = headline_periods_with_previous.channel
            and period_rates.campaign = headline_periods_with_previous.campaign
            and period_rates.period_number = headline_periods_with_previous.period_number

)

select
    channel,
    campaign,
    cast(period_number as {{ dbt.type_int() }}) as period_number,
    period_type,
    headline,
    first_day,
    last_day,
    cast(days_in_period as {{ dbt.type_int() }}) as days_in_period,
    cast(spend_rub as {{ dbt.type_numeric() }}) as spend_rub,
    cast(calls as {{ dbt.type_int() }}) as calls,
    cast(answered_calls as {{ dbt.type_int() }}) as answered_calls,
    cast(quality_calls as {{ dbt.type_int() }}) as quality_calls,
    cast(application_calls as {{ dbt.type_int() }}) as application_calls,
    avg_talk_seconds,
    quality_call_rate,
    application_rate,
    round({{ wilson_low('application_calls', 'calls') }}, 6) as application_rate_low,
    round({{ wilson_high('application_calls', 'calls') }}, 6) as application_rate_high,
    previous_headline,
    cast(avg_talk_seconds_change as {{ type_double() }}) as avg_talk_seconds_change,
    cast(quality_call_rate_change as {{ type_double() }}) as quality_call_rate_change,
    cast(application_rate_change as {{ type_double() }}) as application_rate_change
from periods_with_changes
