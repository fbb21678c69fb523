"""Read-only SQL that gives each check the columns it inspects, and nothing more."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.quality.config import QualityConfig
from orchestration.quality.outcome import Clock

# Every column a lead check may ask for, as an expression over the joined lead tables.
LEAD_COLUMNS: dict[str, str] = {
    "lead_id": "leads.lead_id",
    "manager_id": "leads.manager_id",
    "created_at": "leads.created_at",
    "first_progress_at": "progress.first_progress_at",
    "call_status": "calls.call_status",
    "call_outcome": "leads.call_outcome",
    "quality_score": "leads.quality_score",
    # The code as the CRM sent it: int_leads maps unknown codes to `other`.
    "refusal_reason": "staged.refusal_reason",
    "is_won": "leads.is_won",
    "won_at": "leads.won_at",
    "is_lost": "leads.is_lost",
    "lost_at": "leads.lost_at",
    "amount": "cast(leads.amount as double)",
    "first_status_changed_at": "leads.first_status_changed_at",
    "last_status_changed_at": "leads.last_status_changed_at",
    "reopen_count": "cast(leads.reopen_count as bigint)",
    "stage_step_back_count": "cast(leads.stage_step_back_count as bigint)",
}


@contextmanager
def read_only(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse (dbt is its only writer)."""
    con = duckdb.connect(warehouse.as_posix(), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def leads(con: duckdb.DuckDBPyConnection, columns: Sequence[str]) -> pd.DataFrame:
    """One row per lead of int_leads with the asked-for columns of LEAD_COLUMNS."""
    select = ",\n    ".join(f"{LEAD_COLUMNS[c]} as {c}" for c in columns)
    sql = f"""
with first_stage as (
    select min(stage_order) as stage_order from staging.crm_statuses
),
progress as (
    -- a lead's first status past the funnel's first stage (`lost` has no stage: it counts)
    select events.lead_id, min(events.changed_at) as first_progress_at
    from intermediate.int_crm__status_events_known as events, first_stage
    where events.stage_order is distinct from first_stage.stage_order
    group by events.lead_id
)
select
    {select}
from intermediate.int_leads as leads
left join progress on leads.lead_id = progress.lead_id
left join intermediate.int_calls_attributed as calls on leads.call_id = calls.call_id
left join staging.stg_crm__leads as staged on leads.lead_id = staged.lead_id
"""
    return con.execute(sql).df()


def refusal_reasons(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The codes of `seeds/refusal_reasons.csv`."""
    rows = con.execute("select refusal_reason from staging.refusal_reasons").fetchall()
    return sorted(r[0] for r in rows)


def inbound_calls(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """
select call_id, tracking_number, call_date, attribution_rule
from intermediate.int_calls_attributed
where direction = 'inbound'
"""
    ).df()


def quality_calls(con: duckdb.DuckDBPyConnection, config: QualityConfig) -> pd.DataFrame:
    """Answered first-time inbound calls of at least the quality length, with has_lead."""
    return con.execute(
        """
select
    calls.call_id,
    calls.manager_id,
    calls.started_at,
    calls.call_status,
    calls.is_first_time_caller,
    calls.talk_seconds,
    exists (
        select 1 from intermediate.int_lead_calls as links where links.call_id = calls.call_id
    ) as has_lead
from intermediate.int_calls_attributed as calls
where
    calls.direction = 'inbound'
    and calls.call_status = 'answered'
    and calls.is_first_time_caller
    and calls.talk_seconds >= ?
""",
        [config.quality_call_seconds],
    ).df()


def lead_call_ids(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Leads that name a call_id, and whether the tracker has that call."""
    return con.execute(
        """
select
    leads.lead_id,
    leads.manager_id,
    leads.call_id,
    calls.call_id is not null as call_known
from staging.stg_crm__leads as leads
left join staging.stg_calltracker__calls as calls on leads.call_id = calls.call_id
where leads.call_id is not null
"""
    ).df()


def channel_weeks(con: duckdb.DuckDBPyConnection, clock: Clock) -> pd.DataFrame:
    """Inbound calls and spend per complete week and channel, with the channel's is_paid."""
    return con.execute(
        """
with calls as (
    select week_start, channel, count(*) as calls
    from intermediate.int_calls_attributed
    where direction = 'inbound'
    group by week_start, channel
),
spend as (
    select week_start, channel, sum(spend_rub) as spend_rub
    from intermediate.int_ads__costs_known
    group by week_start, channel
),
weeks as (
    select
        coalesce(calls.week_start, spend.week_start) as week_start,
        coalesce(calls.channel, spend.channel) as channel,
        coalesce(calls.calls, 0) as calls,
        cast(coalesce(spend.spend_rub, 0) as double) as spend_rub
    from calls
    full outer join spend
        on calls.week_start = spend.week_start and calls.channel = spend.channel
)
select weeks.*, coalesce(channels.is_paid, false) as is_paid
from weeks
left join staging.channels as channels on weeks.channel = channels.channel
where weeks.week_start <= ?
order by weeks.week_start, weeks.channel
""",
        [clock.last_week_start],
    ).df()


# Event sources: staging model, the column freshness reads, the column weeks are counted by,
# and whether those columns are dates (a cost day) rather than UTC timestamps.
EVENT_SOURCES: dict[str, tuple[str, str, str, bool]] = {
    "calls": ("stg_calltracker__calls", "started_at", "started_at", False),
    "crm_leads": ("stg_crm__leads", "updated_at", "created_at", False),
    "crm_status_events": ("stg_crm__status_events", "changed_at", "changed_at", False),
    "ad_costs": ("stg_ads__costs", "cost_date", "cost_date", True),
}


def newest_record(con: duckdb.DuckDBPyConnection, source: str, clock: Clock) -> pd.DataFrame:
    """One row: the source's newest record as naive UTC (a cost day counts until its end)."""
    model, column, _, is_date = EVENT_SOURCES[source]
    newest, rows = con.execute(f"select max({column}), count(*) from staging.{model}").fetchone()
    if newest is not None and is_date:
        end_of_day = pd.Timestamp(newest + timedelta(days=1)).tz_localize(clock.timezone)
        newest = end_of_day.tz_convert("UTC").tz_localize(None)
    return pd.DataFrame({"newest": [pd.Timestamp(newest) if newest else pd.NaT], "rows": [rows]})


def weekly_rows(con: duckdb.DuckDBPyConnection, source: str, clock: Clock) -> pd.DataFrame:
    """Rows per business-time week (Monday) of the source's staging model."""
    model, _, column, is_date = EVENT_SOURCES[source]
    week = (
        f"cast(date_trunc('week', {column}) as date)"
        if is_date
        else f"cast(date_trunc('week', timezone(?, timezone('UTC', {column}))) as date)"
    )
    params = [] if is_date else [clock.timezone]
    return con.execute(
        f"select {week} as week_start, count(*) as rows from staging.{model} group by 1 order by 1",
        params,
    ).df()
