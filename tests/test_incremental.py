"""Incremental dbt runs against full refreshes over the same data (docs/incremental.md).

The pipeline fixture's raw zone is replayed in two steps: every weekly file but the last, then
all of them plus a late CRM update. The incremental warehouse must then hold exactly what a full
refresh of the same data holds. A run with a window shorter than the data keeps the oldest week,
and must still restate the others exactly, reading the history before the window they need
(earlier calls of a caller, a lead's call); a late update to a lead older than the window must
change none of the incremental models until a full refresh, as the docs say.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import DBT_PROJECT_DIR
from orchestration.transform import FULL_REFRESH_ENV, dbt_build_args
from tests.conftest import TEST_AS_OF, PipelineRun

WEEKLY_FOLDERS = ("ad_costs", "calls", "crm_leads", "crm_status_events")
# Every model built incrementally; the other marts are rebuilt whole on every run.
INCREMENTAL_MODELS = (
    "staging.stg_calltracker__calls",
    "staging.stg_crm__leads",
    "staging.stg_crm__status_events",
    "intermediate.int_calls_attributed",
    "intermediate.int_crm__status_events_known",
    "intermediate.int_lead_calls",
    "intermediate.int_leads",
    "marts.fct_calls",
    "marts.fct_leads",
    "intermediate.int_channel_daily",
    "marts.channel_weekly",
    "marts.funnel_weekly",
    "marts.manager_weekly",
    "marts.refusal_reasons_weekly",
    "marts.call_timing",
    "marts.attribution_weekly",
)
# Seeds and models only: the suite runs the data and unit tests elsewhere.
NO_TESTS = ("--exclude", "resource_type:test", "resource_type:unit_test")
AS_OF = datetime.fromisoformat(TEST_AS_OF)
PREVIOUS_AS_OF = (AS_OF - timedelta(days=7)).isoformat()
# A window of 5 weeks starts on 2026-10-19: the data's first week (2026-10-12) lies outside it.
SHORT_WINDOW = {"restatement_weeks": 5}
SHORT_WINDOW_START = "2026-10-19"


@dataclass
class Replay:
    """Folders and a dbt runner for one replay of the pipeline's raw zone."""

    root: Path
    quarantine: Path

    def dbt(self, raw: Path, warehouse: Path, *args: str, **dbt_vars: object) -> None:
        env = {
            **os.environ,
            "CALLFUNNEL_WAREHOUSE": warehouse.as_posix(),
            "CALLFUNNEL_RAW_DIR": raw.as_posix(),
            "CALLFUNNEL_QUARANTINE_DIR": self.quarantine.as_posix(),
            "DBT_PROFILES_DIR": DBT_PROJECT_DIR.as_posix(),
            # Not the project's target/: other dbt commands of the session must not see ours.
            "DBT_TARGET_PATH": (self.root / "target").as_posix(),
            "DBT_LOG_PATH": (self.root / "logs").as_posix(),
        }
        dbt = Path(sys.executable).parent / "dbt"
        variables = json.dumps({"as_of": TEST_AS_OF, **dbt_vars})
        proc = subprocess.run(
            [str(dbt), "build", *NO_TESTS, "--quiet", "--vars", variables, *args],
            cwd=DBT_PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


# Staging tables also record when a run wrote each row, which differs between any two runs.
RUN_STAMP_COLUMNS = ("staged_at",)


def ingestion_stamp() -> str:
    """`_ingested_at` for a raw file written now: later than every file ingested before."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")


def copy_raw(source: Path, target: Path, *, drop_last_week: bool = False) -> Path:
    shutil.copytree(source, target)
    if drop_last_week:
        for folder in WEEKLY_FOLDERS:
            # One file per landing week, named by its Monday; `_schema.parquet` is no week.
            weekly = sorted(p for p in (target / folder).glob("*.parquet") if p.name[0] != "_")
            weekly[-1].unlink()
    return target


def add_won_event(raw: Path, lead_week: str, name: str) -> str:
    """Append a `won` status event, two days before as_of, for a lead of `lead_week` (a Monday).

    Returns the lead's id: an open lead (neither won nor lost) created in that week.
    """
    # Raw timestamps are UTC; business time is Moscow's, UTC+3 all year.
    changed_at = (AS_OF - timedelta(days=2)).astimezone(UTC).replace(tzinfo=None)
    leads = (raw / "crm_leads" / "*.parquet").as_posix()
    events = (raw / "crm_status_events" / "*.parquet").as_posix()
    with duckdb.connect() as con:
        con.execute("set timezone = 'UTC'")
        lead_id = con.execute(
            f"""
            select lead_id from read_parquet('{leads}', union_by_name = true)
            where date_trunc('week', created_at + interval 3 hour) = cast(? as date)
                and lead_id not in (
                    select lead_id from read_parquet('{events}', union_by_name = true)
                    where status in ('won', 'lost') and lead_id is not null
                )
            group by lead_id
            order by lead_id
            limit 1
            """,
            [lead_week],
        ).fetchone()[0]
        con.execute(
            f"""
            copy (
                select
                    'late-{name}' as event_id,
                    ? as lead_id,
                    cast(? as timestamp) as changed_at,
                    'won' as status,
                    changed_by,
                    '{name}.csv' as _source_file,
                    cast(1 as bigint) as _source_line,
                    cast('{ingestion_stamp()}' as timestamp) as _ingested_at
                from read_parquet('{events}', union_by_name = true)
                where lead_id = ?
                order by changed_at desc
                limit 1
            ) to '{raw / "crm_status_events" / f"{name}.csv.parquet"}' (format parquet)
            """,
            [lead_id, changed_at.isoformat(), lead_id],
        )
    return lead_id


def weekly_files(raw: Path, folder: str) -> list[Path]:
    return sorted(p for p in (raw / folder).glob("*.parquet") if p.name[0] != "_")


def rewrite(path: Path, select: str, *params: object) -> None:
    """Replace a raw Parquet file with `select` (over relation `file`, the file as it is)."""
    temp = path.with_name(f".{path.name}.tmp")
    with duckdb.connect() as con:
        con.execute(f"create view file as select * from read_parquet('{path}')")
        con.execute(f"copy ({select}) to '{temp}' (format parquet)", list(params))
    temp.replace(path)


def plant_copied_call(raw: Path, target: Path) -> str:
    """Copy the first call of the first weekly file, with another talk time, into `target`, as
    an export that repeats an older call: the later file's row wins. Returns the call's id."""
    first = weekly_files(raw, "calls")[0]
    with duckdb.connect() as con:
        call_id = con.execute(f"select min(call_id) from read_parquet('{first}')").fetchone()[0]
    rewrite(
        target,
        f"""
        select * from file
        union all
        select * replace (
            talk_seconds + 100 as talk_seconds,
            ? as _source_file,
            cast(1000000 as bigint) as _source_line,
            (select max(_ingested_at) from file) as _ingested_at
        )
        from read_parquet('{first}')
        where call_id = ?
        """,
        target.name.removesuffix(".parquet"),
        call_id,
    )
    return call_id


def redeliver_calls(target: Path) -> dict[str, str]:
    """The landing file `target` was read from arrives again, ingested now: one call is gone,
    another has a new talk time. Returns their ids and the file's name."""
    with duckdb.connect() as con:
        removed, changed = (
            row[0]
            for row in con.execute(
                f"select call_id from read_parquet('{target}') order by call_id limit 2"
            ).fetchall()
        )
    rewrite(
        target,
        """
        select * replace (
            case when call_id = ? then talk_seconds + 7 else talk_seconds end as talk_seconds,
            cast(? as timestamp) as _ingested_at
        )
        from file
        where call_id <> ?
        """,
        changed,
        ingestion_stamp(),
        removed,
    )
    return {"removed": removed, "changed": changed, "file": target.name.removesuffix(".parquet")}


def staged_call(warehouse: Path, call_id: str) -> tuple | None:
    with duckdb.connect(warehouse.as_posix(), read_only=True) as con:
        return con.execute(
            "select source_file, talk_seconds from staging.stg_calltracker__calls "
            "where call_id = ?",
            [call_id],
        ).fetchone()


def differing_rows(left: Path, right: Path, relation: str) -> int:
    """Rows of `relation` in one warehouse and not the other, both ways, duplicates counted.

    Doubles are compared to 9 decimals: DuckDB adds them in parallel, in no fixed order, so two
    full builds of the same data can already differ in the last bit of a sum of doubles.
    """
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")
        schema, table = relation.split(".")
        columns = con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = 'l' and schema_name = ? and table_name = ? "
            "order by column_index",
            [schema, table],
        ).fetchall()
        select = ", ".join(
            f'round("{name}", 9)' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
            for name, kind in columns
            if name not in RUN_STAMP_COLUMNS
        )
        return con.execute(
            f"select (select count(*) from (select {select} from l.{relation} except all "
            f"select {select} from r.{relation})) + (select count(*) from (select {select} "
            f"from r.{relation} except all select {select} from l.{relation}))"
        ).fetchone()[0]


def mart_relations(warehouse: Path) -> list[str]:
    with duckdb.connect(warehouse.as_posix(), read_only=True) as con:
        names = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1"
        ).fetchall()
    return [f"marts.{name}" for (name,) in names]


def lead_is_won(warehouse: Path, relation: str, lead_id: str) -> bool:
    with duckdb.connect(warehouse.as_posix(), read_only=True) as con:
        return con.execute(
            f"select is_won from {relation} where lead_id = ?", [lead_id]
        ).fetchone()[0]


@pytest.fixture(scope="module")
def replay(pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Replay:
    assert pipeline.returncode == 0, pipeline.output
    root = tmp_path_factory.mktemp("incremental")
    quarantine = root / "quarantine"
    shutil.copytree(pipeline.quarantine_dir, quarantine)
    return Replay(root=root, quarantine=quarantine)


@pytest.fixture(scope="module")
def inside_window(replay: Replay, pipeline: PipelineRun) -> dict:
    """History of all weeks but the last, then an incremental run; and a full refresh.

    The history's file of the week before last repeats an older call; the final data delivers
    that file again without it (the call's older row counts again), without another call and
    with a third call changed."""
    history = copy_raw(pipeline.raw_dir, replay.root / "raw_history", drop_last_week=True)
    # The history's week before last: a file both runs read, inside the window.
    target = weekly_files(history, "calls")[-2]
    copied_call = plant_copied_call(history, target)
    incremental = replay.root / "incremental.duckdb"
    replay.dbt(history, incremental, as_of=PREVIOUS_AS_OF)
    before = replay.root / "history.duckdb"
    shutil.copy(incremental, before)

    final = copy_raw(pipeline.raw_dir, replay.root / "raw_final")
    redelivered = redeliver_calls(final / "calls" / target.name)
    # Three weeks before the as_of week: maturing, well inside the default window of 8 weeks.
    late_lead = add_won_event(final, "2026-11-02", "late_update_inside")
    replay.dbt(final, incremental)

    full = replay.root / "full.duckdb"
    replay.dbt(final, full, "--full-refresh")
    return {
        "incremental": incremental,
        "full": full,
        "history": before,
        "raw": final,
        "late_lead": late_lead,
        "copied_call": copied_call,
        **redelivered,
    }


def test_the_late_update_is_a_real_change(inside_window: dict) -> None:
    assert lead_is_won(inside_window["full"], "marts.fct_leads", inside_window["late_lead"])


def test_the_redelivered_file_is_a_real_change(inside_window: dict) -> None:
    """What the equality below covers: a file read again replaces its rows, and a key it no
    longer holds falls back to another file's row or leaves staging."""
    history, full = inside_window["history"], inside_window["full"]
    copied, redelivered = inside_window["copied_call"], inside_window["file"]
    assert staged_call(history, copied)[0] == redelivered
    assert staged_call(full, copied)[0] != redelivered
    assert staged_call(history, inside_window["removed"]) is not None
    assert staged_call(full, inside_window["removed"]) is None
    changed = inside_window["changed"]
    assert staged_call(full, changed)[1] == staged_call(history, changed)[1] + 7


def test_incremental_run_equals_full_refresh_inside_the_window(inside_window: dict) -> None:
    relations = mart_relations(inside_window["full"])
    assert {r for r in INCREMENTAL_MODELS if r.startswith("marts.")} <= set(relations)
    differences = {
        relation: differing_rows(inside_window["incremental"], inside_window["full"], relation)
        for relation in sorted({*relations, *INCREMENTAL_MODELS})
    }
    assert differences == dict.fromkeys(differences, 0)


@pytest.fixture(scope="module")
def short_window(replay: Replay, inside_window: dict) -> dict:
    """The full build, then an incremental run with a window of 5 weeks on the same data plus a
    late deal for a lead of the first week, which lies outside that window."""
    raw = replay.root / "raw_old_update"
    shutil.copytree(inside_window["raw"], raw)
    old_lead = add_won_event(raw, "2026-10-12", "late_update_outside")
    before = inside_window["full"]
    warehouse = replay.root / "outside.duckdb"
    shutil.copy(before, warehouse)
    replay.dbt(raw, warehouse, **SHORT_WINDOW)
    return {"raw": raw, "before": before, "warehouse": warehouse, "old_lead": old_lead}


def count(warehouse: Path, sql: str) -> int:
    with duckdb.connect(warehouse.as_posix(), read_only=True) as con:
        return con.execute(sql, [SHORT_WINDOW_START]).fetchone()[0]


# Calls in the window that are repeat calls only because of a call before the window.
REPEAT_CALLERS_FROM_BEFORE_THE_WINDOW = """
select count(*)
from intermediate.int_calls_attributed as calls
where
    calls.week_start >= cast($1 as date)
    and not calls.is_first_time_caller
    and not exists (
        select 1 from intermediate.int_calls_attributed as earlier
        where
            earlier.caller_key = calls.caller_key
            and earlier.direction = 'inbound'
            and earlier.started_at < calls.started_at
            and earlier.week_start >= cast($1 as date)
    )
"""
# Leads of the window linked to a call before it.
LEADS_WITH_A_CALL_BEFORE_THE_WINDOW = """
select count(*)
from intermediate.int_leads as leads
inner join intermediate.int_calls_attributed as calls on leads.call_id = calls.call_id
where leads.week_start >= cast($1 as date) and calls.week_start < cast($1 as date)
"""


def test_the_restated_weeks_read_the_history_before_the_window(short_window: dict) -> None:
    """Unchanged weeks come out of a short window exactly as the full build made them, though
    some of their calls and leads depend on rows older than the window."""
    before, warehouse = short_window["before"], short_window["warehouse"]
    assert count(before, REPEAT_CALLERS_FROM_BEFORE_THE_WINDOW) > 0
    assert count(before, LEADS_WITH_A_CALL_BEFORE_THE_WINDOW) > 0
    for sql in (REPEAT_CALLERS_FROM_BEFORE_THE_WINDOW, LEADS_WITH_A_CALL_BEFORE_THE_WINDOW):
        assert count(warehouse, sql) == count(before, sql)
    holding_the_late_event = {
        "staging.stg_crm__status_events",
        "intermediate.int_crm__status_events_known",
    }
    for relation in INCREMENTAL_MODELS:
        if relation not in holding_the_late_event:
            assert differing_rows(before, warehouse, relation) == 0, relation


def test_a_change_older_than_the_window_waits_for_a_full_refresh(
    replay: Replay, short_window: dict
) -> None:
    before, warehouse = short_window["before"], short_window["warehouse"]
    old_lead = short_window["old_lead"]
    # The event itself is kept (it happened inside the window); the lead's row, older than the
    # window, is not restated: no incremental model takes the deal in.
    events = "intermediate.int_crm__status_events_known"
    assert differing_rows(before, warehouse, events) == 1
    with duckdb.connect(warehouse.as_posix(), read_only=True) as con:
        kept = con.execute(
            f"select status from {events} where event_id = 'late-late_update_outside'"
        ).fetchall()
    assert kept == [("won",)]
    assert not lead_is_won(warehouse, "intermediate.int_leads", old_lead)
    assert not lead_is_won(warehouse, "marts.fct_leads", old_lead)

    refreshed = replay.root / "outside_refreshed.duckdb"
    shutil.copy(warehouse, refreshed)
    replay.dbt(short_window["raw"], refreshed, "--full-refresh", **SHORT_WINDOW)
    assert lead_is_won(refreshed, "intermediate.int_leads", old_lead)
    assert lead_is_won(refreshed, "marts.fct_leads", old_lead)
    assert differing_rows(before, refreshed, "marts.channel_weekly") > 0


def test_the_dagster_run_asks_dbt_for_a_full_refresh_only_when_told() -> None:
    assert dbt_build_args("{}", {}) == ["build", "--vars", "{}"]
    assert dbt_build_args("{}", {FULL_REFRESH_ENV: "0"}) == ["build", "--vars", "{}"]
    assert dbt_build_args("{}", {FULL_REFRESH_ENV: "1"})[-1] == "--full-refresh"
