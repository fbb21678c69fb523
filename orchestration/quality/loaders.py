"""Read-only SQL that gives each check the rows and columns it inspects, and nothing more.

Every loader of a check that is tallied per week takes `since`: the Monday from which the run
rewrote weeks (None: the run rebuilt all history). It returns the rows of the weeks from `since`
on, each with its `week_start`, and reads older rows only where a check needs them (the call a
lead names, an open lead's status history). Filters and aggregations run in DuckDB; pandas receives
only the rows a check evaluates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.quality.config import QualityConfig
from orchestration.quality.outcome import Clock
from orchestration.settings import duckdb_memory_limit

# Every column a lead check may ask for, as an expression over the joined lead tables, and the
# join it needs (calls: its linked call; staged: its CRM row).
LEAD_COLUMNS: dict[str, tuple[str, str | None]] = {
    "lead_id": ("leads.lead_id", None),
    "manager_id": ("leads.manager_id", None),
    "created_at": ("leads.created_at", None),
    # The lead's first status past the funnel's first stage, as int_leads last restated it.
    "first_progress_at": ("leads.first_progress_at", None),
    "call_status": ("calls.call_status", "calls"),
    "call_outcome": ("leads.call_outcome", None),
    "quality_score": ("leads.quality_score", None),
    # The code as the CRM sent it: int_leads maps unknown codes to `other`.
    "refusal_reason": ("staged.refusal_reason", "staged"),
    "is_won": ("leads.is_won", None),
    "won_at": ("leads.won_at", None),
    "is_lost": ("leads.is_lost", None),
    "lost_at": ("leads.lost_at", None),
    "amount": ("cast(leads.amount as double)", None),
    "first_status_changed_at": ("leads.first_status_changed_at", None),
    "last_status_changed_at": ("leads.last_status_changed_at", None),
    "reopen_count": ("cast(leads.reopen_count as bigint)", None),
    "stage_step_back_count": ("cast(leads.stage_step_back_count as bigint)", None),
}

LEAD_JOINS: dict[str, str] = {
    "calls": (
        "left join intermediate.int_calls_attributed as calls on leads.call_id = calls.call_id"
    ),
    "staged": "left join staging.stg_crm__leads as staged on leads.lead_id = staged.lead_id",
}


@contextmanager
def read_only(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse (dbt is its only writer)."""
    con = duckdb.connect(
        warehouse.as_posix(), read_only=True, config={"memory_limit": duckdb_memory_limit()}
    )
    try:
        con.execute("set TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
    """A query's rows as pandas, through Arrow: strings stay Arrow strings and dates datetimes,
    so no Python object is made per value (a third of the peak memory of `.df()`)."""
    return con.sql(sql, params=list(params)).to_arrow_table().to_pandas(date_as_object=False)


def _from_week(column: str, since: date | None) -> tuple[str, list]:
    """`and <column> >= since`, or nothing when all history is inspected."""
    return ("", []) if since is None else (f"and {column} >= ?", [since])


def leads(
    con: duckdb.DuckDBPyConnection,
    columns: Sequence[str],
    since: date | None = None,
    where: str = "true",
    params: Sequence[object] = (),
) -> pd.DataFrame:
    """Leads of int_leads created in the weeks from `since` on, with `columns` and week_start.

    `where` narrows them to the leads the check evaluates: SQL in which `{column}` stands for a
    column of LEAD_COLUMNS, with `params`. A lead's figures from its status events (first
    progress, won, lost, reopens) are int_leads', which every run recomputes for the leads of
    the weeks it restates from all their events, however old.
    """
    used = {*columns, *(name for name in LEAD_COLUMNS if f"{{{name}}}" in where)}
    joins = {join for name in used if (join := LEAD_COLUMNS[name][1])}
    condition = where.format(**{name: expr for name, (expr, _) in LEAD_COLUMNS.items()})
    select = ",\n    ".join(f"{LEAD_COLUMNS[c][0]} as {c}" for c in columns)
    week, week_params = _from_week("week_start", since)
    sql = f"""
with leads as (
    select * from intermediate.int_leads where true {week}
)
select
    {select},
    leads.week_start
from leads
{" ".join(join for name, join in LEAD_JOINS.items() if name in joins)}
where {condition}
"""
    return frame(con, sql, [*week_params, *params])


def refusal_reasons(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The codes of `seeds/refusal_reasons.csv`."""
    rows = con.execute("select refusal_reason from staging.refusal_reasons").fetchall()
    return sorted(r[0] for r in rows)


def open_leads_in_work(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Leads with a status past the first stage and no won or lost status, of all history.

    Staleness grows with as_of, so every open lead counts, however old. The status history is
    read from int_crm__status_events_known, which every run keeps current, so a lead closed or
    moved after its cohort week left the restatement window is not reported as stale.
    """
    return frame(
        con,
        """
with candidates as (
    -- a lead int_leads holds as won or lost has a won or lost event: it is not open
    select lead_id, manager_id
    from intermediate.int_leads
    where not is_won and not is_lost
),
history as (
    select
        events.lead_id,
        min(
            case
                when events.stage_order is distinct from (
                    select min(stage_order) from staging.crm_statuses
                ) then events.changed_at
            end
        ) as first_progress_at,
        max(events.changed_at) as last_status_changed_at,
        bool_or(events.is_won or events.is_lost) as has_closed
    from intermediate.int_crm__status_events_known as events
    where events.lead_id in (select lead_id from candidates)
    group by events.lead_id
)
select
    candidates.lead_id,
    candidates.manager_id,
    false as is_won,
    false as is_lost,
    history.first_progress_at,
    history.last_status_changed_at
from candidates
inner join history on candidates.lead_id = history.lead_id
where not history.has_closed and history.first_progress_at is not null
""",
    )


def inbound_calls(con: duckdb.DuckDBPyConnection, since: date | None = None) -> pd.DataFrame:
    """Inbound calls of the weeks from `since` on."""
    week, params = _from_week("week_start", since)
    return frame(
        con,
        f"""
select call_id, tracking_number, call_date, attribution_rule, week_start
from intermediate.int_calls_attributed
where direction = 'inbound' {week}
""",
        params,
    )


def quality_calls(
    con: duckdb.DuckDBPyConnection, config: QualityConfig, clock: Clock, since: date | None = None
) -> pd.DataFrame:
    """Answered first-time inbound calls of at least the quality length, past the grace period,
    of the weeks from `since` on, with has_lead (a lead of any week links to the call)."""
    week, params = _from_week("calls.week_start", since)
    return frame(
        con,
        f"""
select
    calls.call_id,
    calls.manager_id,
    calls.started_at,
    calls.call_status,
    calls.is_first_time_caller,
    calls.talk_seconds,
    exists (
        select 1 from intermediate.int_lead_calls as links where links.call_id = calls.call_id
    ) as has_lead,
    calls.week_start
from intermediate.int_calls_attributed as calls
where
    calls.direction = 'inbound'
    and calls.call_status = 'answered'
    and calls.is_first_time_caller
    and calls.talk_seconds >= ?
    and calls.started_at <= ?
    {week}
""",
        [config.quality_call_seconds, clock.ago(hours=config.grace_hours), *params],
    )


def lead_call_ids(con: duckdb.DuckDBPyConnection, since: date | None = None) -> pd.DataFrame:
    """Leads of the weeks from `since` on that name a call_id, and whether the tracker has it.

    int_leads holds every staged lead with the call_id its CRM card names (recorded_call_id),
    and int_calls_attributed every staged call, of any week.
    """
    week, params = _from_week("leads.week_start", since)
    return frame(
        con,
        f"""
select
    leads.lead_id,
    leads.manager_id,
    leads.recorded_call_id as call_id,
    exists (
        select 1 from intermediate.int_calls_attributed as calls
        where calls.call_id = leads.recorded_call_id
    ) as call_known,
    leads.week_start
from intermediate.int_leads as leads
where leads.recorded_call_id is not null {week}
""",
        params,
    )


def channel_weeks(
    con: duckdb.DuckDBPyConnection, clock: Clock, since: date | None = None
) -> pd.DataFrame:
    """Inbound calls and spend per complete week (from `since` on) and channel, with is_paid."""
    calls_week, calls_params = _from_week("week_start", since)
    spend_week, spend_params = _from_week("week_start", since)
    return frame(
        con,
        f"""
with calls as (
    select week_start, channel, count(*) as calls
    from intermediate.int_calls_attributed
    where direction = 'inbound' and week_start <= ? {calls_week}
    group by week_start, channel
),
spend as (
    select week_start, channel, sum(spend_rub) as spend_rub
    from intermediate.int_ads__costs_known
    where week_start <= ? {spend_week}
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
order by weeks.week_start, weeks.channel
""",
        [clock.last_week_start, *calls_params, clock.last_week_start, *spend_params],
    )


# Event sources: staging model, the column freshness reads, the column weeks are counted by,
# and whether those columns are dates (a cost day) rather than UTC timestamps.
EVENT_SOURCES: dict[str, tuple[str, str, str, bool]] = {
    "calls": ("stg_calltracker__calls", "started_at", "started_at", False),
    "crm_leads": ("stg_crm__leads", "updated_at", "created_at", False),
    "crm_status_events": ("stg_crm__status_events", "changed_at", "changed_at", False),
    "ad_costs": ("stg_ads__costs", "cost_date", "cost_date", True),
}


# Weekly profiles of the event sources, by warehouse file state: the freshness and the volume
# check of a source share one pass over its staging model within a run.
_PROFILES: dict[tuple, pd.DataFrame] = {}


def _warehouse_state(con: duckdb.DuckDBPyConnection) -> tuple:
    """The warehouse file and the size and modification time of it and its write-ahead log."""
    ((path,),) = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    state: list[object] = [path]
    for file in (Path(path), Path(f"{path}.wal")) if path else ():
        stat = file.stat() if file.exists() else None
        state.extend((stat.st_size, stat.st_mtime_ns) if stat else (None, None))
    return tuple(state)


def source_weeks(con: duckdb.DuckDBPyConnection, source: str, clock: Clock) -> pd.DataFrame:
    """Per business-time week (Monday) of the source's staging model: its rows and its newest
    record (the freshness column's maximum), counted in SQL."""
    model, fresh, column, is_date = EVENT_SOURCES[source]
    key = (_warehouse_state(con), source, clock.timezone)
    if key not in _PROFILES:
        week = (
            f"cast(date_trunc('week', {column}) as date)"
            if is_date
            else f"cast(date_trunc('week', timezone(?, timezone('UTC', {column}))) as date)"
        )
        params: list[object] = [] if is_date else [clock.timezone]
        if len(_PROFILES) >= 8:
            _PROFILES.clear()
        _PROFILES[key] = frame(
            con,
            f"select {week} as week_start, count(*) as rows, max({fresh}) as newest "
            f"from staging.{model} group by 1 order by 1",
            params,
        )
    return _PROFILES[key]


def newest_record(con: duckdb.DuckDBPyConnection, source: str, clock: Clock) -> pd.DataFrame:
    """One row: the source's newest record as naive UTC (a cost day counts until its end)."""
    is_date = EVENT_SOURCES[source][3]
    weeks = source_weeks(con, source, clock)
    newest = weeks["newest"].max() if len(weeks) else None
    rows = int(weeks["rows"].sum())
    if newest is not None and pd.notna(newest) and is_date:
        end_of_day = pd.Timestamp(newest + timedelta(days=1)).tz_localize(clock.timezone)
        newest = end_of_day.tz_convert("UTC").tz_localize(None)
    newest = pd.Timestamp(newest) if newest is not None and pd.notna(newest) else pd.NaT
    return pd.DataFrame({"newest": [newest], "rows": [rows]})


def weekly_rows(
    con: duckdb.DuckDBPyConnection, source: str, clock: Clock, config: QualityConfig
) -> pd.DataFrame:
    """Rows per week the volume check compares (the last complete week and the baseline weeks
    before it), and of the first week with data."""
    weeks = source_weeks(con, source, clock)
    starts = pd.to_datetime(weeks["week_start"]).dt.date
    first_compared = clock.last_week_start - timedelta(days=7 * config.volume_baseline_weeks)
    compared = (starts >= first_compared) & (starts <= clock.last_week_start)
    first = starts == starts.min()
    return weeks.loc[compared | first, ["week_start", "rows"]].reset_index(drop=True)
