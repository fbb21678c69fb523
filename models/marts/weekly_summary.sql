with channel_weeks as (

    select * from {{ ref('channel_weekly') }}

),

leads as (

    select * from {{ ref('fct_leads') }}

),

week_totals as (

    -- inbound only: every channel but outbound, unattributed included
    select
        week_start,
        max(case when is_maturing then 1 else 0 end) = 1 as is_maturing,
        min(case when is_complete then 1 else 0 end) = 1 as is_complete,
        sum(case when channel <> 'outbound' then calls else 0 end) as calls,
        sum(case when channel <> 'outbound' then answered_calls else 0 end) as answered_calls,
        sum(case when channel <> 'outbound' then missed_calls else 0 end) as missed_calls,
        sum(case when channel <> 'outbound' then short_calls else 0 end) as short_calls,
        sum(case when channel <> 'outbound' then quality_calls else 0 end) as quality_calls,
        sum(case when channel <> 'outbound' then application_calls else 0 end) as application_calls,
        sum(case when channel <> 'outbound' then leads else 0 end) as leads,
        sum(case when channel <> 'outbound' then applications else 0 end) as applications,
        sum(case when channel <> 'outbound' then won_applications else 0 end) as won_applications,
        sum(case when channel <> 'outbound' then meetings else 0 end) as meetings,
        sum(case when channel <> 'outbound' then deals else 0 end) as deals,
        sum(case when channel <> 'outbound' then revenue_rub else 0 end) as revenue_rub,
        sum(case when channel <> 'outbound' then deals_won else 0 end) as deals_won,
        sum(case when channel <> 'outbound' then revenue_won_rub else 0 end) as revenue_won_rub,
        sum(case when channel <> 'outbound' then spend_rub else 0 end) as spend_rub,
        sum(
            case when channel <> 'outbound' then answered_talk_seconds else 0 end
        ) as answered_talk_seconds,
        sum(case when channel = 'unattributed' then calls else 0 end) as unattributed_calls
    from channel_weeks
    group by week_start

),

week_rates as (

    select
        *,
        {{ safe_divide('answered_calls', 'calls') }} as answer_rate,
        {{ safe_divide('missed_calls', 'calls') }} as missed_call_rate,
        {{ safe_divide('quality_calls', 'calls') }} as quality_call_rate,
        {{ safe_divide('application_calls', 'calls') }} as application_rate,
        {{ safe_divide('won_applications', 'applications') }} as deal_rate
    from week_totals

),

week_changes as (

    -- against the calendar week before; null when that week has no row or no rate
    select
        this_week.week_start,
        (this_week.answer_rate - last_week.answer_rate) * 100 as answer_rate_change_pp,
        (this_week.missed_call_rate - last_week.missed_call_rate) * 100
            as missed_call_rate_change_pp,
        (this_week.quality_call_rate - last_week.quality_call_rate) * 100
            as quality_call_rate_change_pp,
        (this_week.application_rate - last_week.application_rate) * 100
            as application_rate_change_pp,
        (this_week.deal_rate - last_week.deal_rate) * 100 as deal_rate_change_pp
    from week_rates as this_week
    left join week_rates as last_week
        on
            last_week.week_start
            = cast({{ dbt.dateadd('week', -1, 'this_week.week_start') }} as date)

),

ranking_candidates as (

    -- channels named best or worst: attributed inbound ones with enough calls to tell
    select
        week_start,
        channel,
        calls,
        application_rate,
        application_rate_low,
        application_rate_high,
        row_number() over (
            partition by week_start
            order by application_rate desc, calls desc, channel asc
        ) as best_rank,
        row_number() over (
            partition by week_start
            order by application_rate asc, calls desc, channel asc
        ) as worst_rank,
        count(*) over (partition by week_start) as ranked_channels
    from channel_weeks
    where
        channel not in ('outbound', 'unattributed')
        and calls >= {{ var('min_calls_for_ranking') }}

),

best_channels as (

    select * from ranking_candidates
    where best_rank = 1 and ranked_channels >= 2

),

worst_channels as (

    select * from ranking_candidates
    where worst_rank = 1 and ranked_channels >= 2

),

ranked_channel_counts as (

    select
        week_start,
        max(ranked_channels) as ranked_channels
    from ranking_candidates
    group by week_start

),

lost_leads as (

    -- leads of inbound channels lost in the week, whenever they were created
    select
        lost_week_start as week_start,
        refusal_reason
    from leads
    where is_lost and channel <> 'outbound'

),

lost_lead_counts as (

    select
        week_start,
        count(*) as lost_leads,
        sum(case when refusal_reason is null then 1 else 0 end) as lost_leads_without_reason
    from lost_leads
    group by week_start

),

ranked_refusal_reasons as (

    select
        week_start,
        refusal_reason,
        cast(count(*) as integer) as reason_leads,
        row_number() over (
            partition by week_start
            order by count(*) desc, refusal_reason asc
        ) as reason_rank
    from lost_leads
    where refusal_reason is not null
    group by week_start, refusal_reason

),

top_refusal_reasons as (

    select
        week_start,
        max(case when reason_rank = 1 then refusal_reason end) as top_refusal_reason_1,
        max(case when reason_rank = 1 then reason_leads end) as top_refusal_reason_1_leads,
        max(case when reason_rank = 2 then refusal_reason end) as top_refusal_reason_2,
        max(case when reason_rank = 2 then reason_leads end) as top_refusal_reason_2_leads,
        max(case when reason_rank = 3 then refusal_reason end) as top_refusal_reason_3,
        max(case when reason_rank = 3 then reason_leads end) as top_refusal_reason_3_leads
    from ranked_refusal_reasons
    where reason_rank <= 3
    group by week_start

),

summary as (

    select
        week_rates.week_start,
        week_rates.is_maturing,
        week_rates.is_complete,
        cast(week_rates.calls as integer) as calls,
        cast(week_rates.answered_calls as integer) as answered_calls,
        cast(week_rates.missed_calls as integer) as missed_calls,
        cast(week_rates.short_calls as integer) as short_calls,
        cast(week_rates.quality_calls as integer) as quality_calls,
        cast(week_rates.unattributed_calls as integer) as unattributed_calls,
        {{ safe_divide('week_rates.answered_talk_seconds', 'week_rates.answered_calls') }}
            as avg_talk_seconds,
        cast(week_rates.application_calls as integer) as application_calls,
        cast(week_rates.leads as integer) as leads,
        cast(week_rates.applications as integer) as applications,
        cast(week_rates.won_applications as integer) as won_applications,
        cast(week_rates.meetings as integer) as meetings,
        cast(week_rates.deals as integer) as deals,
        cast(week_rates.revenue_rub as {{ dbt.type_numeric() }}) as revenue_rub,
        cast(week_rates.deals_won as integer) as deals_won,
        cast(week_rates.revenue_won_rub as {{ dbt.type_numeric() }}) as revenue_won_rub,
        cast(week_rates.spend_rub as {{ dbt.type_numeric() }}) as spend_rub,
        week_rates.answer_rate,
        week_rates.missed_call_rate,
        week_rates.quality_call_rate,
        week_rates.application_rate,
        round(
            {{ wilson_low('week_rates.application_calls', 'week_rates.calls') }}, 6
        ) as application_rate_low,
        round(
            {{ wilson_high('week_rates.application_calls', 'week_rates.calls') }}, 6
        ) as application_rate_high,
        week_rates.deal_rate,
        round(
            {{ wilson_low('week_rates.won_applications', 'week_rates.applications') }}, 6
        ) as deal_rate_low,
        round(
            {{ wilson_high('week_rates.won_applications', 'week_rates.applications') }}, 6
        ) as deal_rate_high,
        {{ safe_divide('week_rates.spend_rub', 'week_rates.deals_won') }} as cac_rub,
        {{ safe_divide('week_rates.revenue_won_rub', 'week_rates.deals_won') }}
            as avg_check_rub,
        {{ safe_divide(
            'week_rates.revenue_won_rub - week_rates.spend_rub', 'week_rates.spend_rub'
        ) }} as romi,
        week_changes.answer_rate_change_pp,
        week_changes.missed_call_rate_change_pp,
        week_changes.quality_call_rate_change_pp,
        week_changes.application_rate_change_pp,
        week_changes.deal_rate_change_pp,
        cast(coalesce(ranked_channel_counts.ranked_channels, 0) as integer) as ranked_channels,
        best_channels.channel as best_channel,
        cast(best_channels.calls as integer) as best_channel_calls,
        best_channels.application_rate as best_channel_application_rate,
        best_channels.application_rate_low as best_channel_application_rate_low,
        best_channels.application_rate_high as best_channel_application_rate_high,
        worst_channels.channel as worst_channel,
        cast(worst_channels.calls as integer) as worst_channel_calls,
        worst_channels.application_rate as worst_channel_application_rate,
        worst_channels.application_rate_low as worst_channel_application_rate_low,
        worst_channels.application_rate_high as worst_channel_application_rate_high,
        cast(coalesce(lost_lead_counts.lost_leads, 0) as integer) as lost_leads,
        cast(
            coalesce(lost_lead_counts.lost_leads_without_reason, 0) as integer
        ) as lost_leads_without_reason,
        top_refusal_reasons.top_refusal_reason_1,
        top_refusal_reasons.top_refusal_reason_1_leads,
        top_refusal_reasons.top_refusal_reason_2,
        top_refusal_reasons.top_refusal_reason_2_leads,
        top_refusal_reasons.top_refusal_reason_3,
        top_refusal_reasons.top_refusal_reason_3_leads
    from week_rates
    left join week_changes
        on week_rates.week_start = week_changes.week_start
    left join ranked_channel_counts
        on week_rates.week_start = ranked_channel_counts.week_start
    left join best_channels
        on week_rates.week_start = best_channels.week_start
    left join worst_channels
        on week_rates.week_start = worst_channels.week_start
    left join lost_lead_counts
        on week_rates.week_start = lost_lead_counts.week_start
    left join top_refusal_reasons
        on week_rates.week_start = top_refusal_reasons.week_start

)

select
    week_start,
    is_maturing,
    is_complete,
    calls,
    answered_calls,
    missed_calls,
    short_calls,
    quality_calls,
    unattributed_calls,
    avg_talk_seconds,
    application_calls,
    leads,
    applications,
    won_applications,
    meetings,
    deals,
    revenue_rub,
    deals_won,
    revenue_won_rub,
    spend_rub,
    answer_rate,
    missed_call_rate,
    quality_call_rate,
    application_rate,
    application_rate_low,
    application_rate_high,
    deal_rate,
    deal_rate_low,
    deal_rate_high,
    cac_rub,
    avg_check_rub,
    romi,
    answer_rate_change_pp,
    missed_call_rate_change_pp,
    quality_call_rate_change_pp,
    application_rate_change_pp,
    deal_rate_change_pp,
    ranked_channels,
    best_channel,
    best_channel_calls,
    best_channel_application_rate,
    best_channel_application_rate_low,
    best_channel_application_rate_high,
    worst_channel,
    worst_channel_calls,
    worst_channel_application_rate,
    worst_channel_application_rate_low,
    worst_channel_application_rate_high,
    lost_leads,
    lost_leads_without_reason,
    top_refusal_reason_1,
    top_refusal_reason_1_leads,
    top_refusal_reason_2,
    top_refusal_reason_2_leads,
    top_refusal_reason_3,
    top_refusal_reason_3_leads
from summary
