{%- set as_of_utc = as_of_timestamp() -%}
{#- The same thresholds as the data-quality checks (orchestration/quality/config.py). -#}
{%- set grace_minutes = (var('dq_grace_hours', 48) | float * 60) | int -%}
{%- set stale_minutes = (var('dq_stale_days', 14) | float * 1440) | int -%}
{%- set grace_cutoff = dbt.dateadd('minute', -grace_minutes, as_of_utc) -%}
{%- set stale_cutoff = dbt.dateadd('minute', -stale_minutes, as_of_utc) -%}

with leads as (

    select * from {{ ref('int_leads') }}

),

staged_leads as (

    select * from {{ ref('stg_crm__leads') }}

),

calls as (

    select * from {{ ref('int_calls_attributed') }}

),

refusal_reasons as (

    select * from {{ ref('refusal_reasons') }}

),

lead_flags as (

    select
        leads.lead_id,
        leads.week_start,
        leads.manager_id,
        leads.is_lost,
        leads.lost_at,
        leads.created_at <= {{ grace_cutoff }} as is_past_grace,
        -- a status past the funnel's first stage (`lost` has no stage, so it counts)
        leads.first_progress_at is not null as has_status_after_new,
        coalesce(calls.call_status = 'answered', false) as is_from_answered_call,
        leads.call_outcome is not null as has_outcome,
        leads.quality_score is not null as has_score,
        refusal_reasons.refusal_reason is not null as has_known_reason,
        (
            not leads.is_won
            and not leads.is_lost
            and leads.first_progress_at is not null
            and leads.last_status_changed_at < {{ stale_cutoff }}
        ) as is_stale
    from leads
    left join calls
        on leads.call_id = calls.call_id
    left join staged_leads
        on leads.lead_id = staged_leads.lead_id
    left join refusal_reasons
        on staged_leads.refusal_reason = refusal_reasons.refusal_reason

),

created_weeks as (

    select
        week_start,
        manager_id,
        count(*) as leads,
        sum(case when is_past_grace then 1 else 0 end) as leads_past_grace,
        sum(
            case when is_past_grace and has_status_after_new then 1 else 0 end
        ) as leads_with_status,
        sum(
            case when is_past_grace and is_from_answered_call then 1 else 0 end
        ) as answered_call_leads,
        sum(
            case when is_past_grace and is_from_answered_call and has_outcome then 1 else 0 end
        ) as leads_with_outcome,
        sum(
            case when is_past_grace and is_from_answered_call and has_score then 1 else 0 end
        ) as leads_with_score,
        sum(case when is_stale then 1 else 0 end) as stale_leads
    from lead_flags
    group by week_start, manager_id

),

-- lost leads belong to the week they were lost in
lost_weeks as (

    select
        manager_id,
        {{ business_week_start('lost_at') }} as week_start,
        count(*) as lost_leads,
        sum(case when has_known_reason then 1 else 0 end) as lost_leads_with_reason
    from lead_flags
    where is_lost and lost_at <= {{ grace_cutoff }}
    group by {{ business_week_start('lost_at') }}, manager_id

),

weeks as (

    select
        cast(coalesce(created_weeks.week_start, lost_weeks.week_start) as date) as week_start,
        cast(
            coalesce(created_weeks.manager_id, lost_weeks.manager_id) as {{ dbt.type_string() }}
        ) as manager_id,
        cast(coalesce(created_weeks.leads, 0) as bigint) as leads,
        cast(coalesce(created_weeks.leads_past_grace, 0) as bigint) as leads_past_grace,
        cast(coalesce(created_weeks.leads_with_status, 0) as bigint) as leads_with_status,
        cast(coalesce(created_weeks.answered_call_leads, 0) as bigint) as answered_call_leads,
        cast(coalesce(created_weeks.leads_with_outcome, 0) as bigint) as leads_with_outcome,
        cast(coalesce(created_weeks.leads_with_score, 0) as bigint) as leads_with_score,
        cast(coalesce(lost_weeks.lost_leads, 0) as bigint) as lost_leads,
        cast(coalesce(lost_weeks.lost_leads_with_reason, 0) as bigint) as lost_leads_with_reason,
        cast(coalesce(created_weeks.stale_leads, 0) as bigint) as stale_leads
    from created_weeks
    full outer join lost_weeks
        on
            created_weeks.week_start = lost_weeks.week_start
            and created_weeks.manager_id = lost_weeks.manager_id

)

select
    week_start,
    manager_id,
    leads,
    leads_past_grace,
    leads_with_status,
    answered_call_leads,
    leads_with_outcome,
    leads_with_score,
    lost_leads,
    lost_leads_with_reason,
    stale_leads,
    {{ safe_divide('leads_with_status', 'leads_past_grace') }} as status_fill_rate,
    {{ safe_divide('leads_with_outcome', 'answered_call_leads') }} as outcome_fill_rate,
    {{ safe_divide('leads_with_score', 'answered_call_leads') }} as score_fill_rate,
    {{ safe_divide('lost_leads_with_reason', 'lost_leads') }} as reason_fill_rate
from weeks
