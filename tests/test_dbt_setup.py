"""How the orchestrator drives dbt: vars that keep partial parsing, the run's moment, its scope."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance
from dagster._core.instance.ref import InstanceRef

from orchestration.dbt_setup import (
    FULL_REFRESH_ENV,
    dbt_build_args,
    deployment_vars,
    prepare_manifest,
    restatement_window_start,
)
from orchestration.settings import DBT_PROJECT_DIR, Settings
from orchestration.transform import ALL_HISTORY, RESTATED_FROM, SCOPE_MODEL, restated_from
from tests.conftest import PipelineRun


def settings_at(tmp_path: Path, as_of: datetime) -> Settings:
    base = Settings.from_env()
    return replace(
        base,
        raw_dir=tmp_path / "raw",
        quarantine_dir=tmp_path / "quarantine",
        warehouse=tmp_path / "warehouse.duckdb",
        timezone="Europe/Moscow",
        as_of=as_of,
    )


def dbt(settings: Settings, target: Path, *args: str) -> list[dict]:
    """A dbt command with the deployment's environment; its JSON log events."""
    env = {**os.environ, **settings.dbt_env(), "DBT_TARGET_PATH": target.as_posix()}
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "--log-format", "json", *args],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def test_full_refresh_on_first_build_or_when_asked() -> None:
    assert "--full-refresh" not in dbt_build_args("{}", {})
    assert "--full-refresh" not in dbt_build_args("{}", {FULL_REFRESH_ENV: "0"})
    assert dbt_build_args("{}", {FULL_REFRESH_ENV: "yes"})[-1] == "--full-refresh"
    assert dbt_build_args("{}", {}, first_build=True)[-1] == "--full-refresh"


@pytest.mark.parametrize(
    ("as_of", "monday"),
    [
        # Friday morning in Moscow: that week's Monday, 8 weeks back.
        (datetime(2026, 11, 27, 6, 0, tzinfo=UTC), date(2026, 9, 28)),
        # Sunday 21:30 UTC is already Monday 00:30 in Moscow: the new week counts.
        (datetime(2026, 11, 29, 21, 30, tzinfo=UTC), date(2026, 10, 5)),
    ],
)
def test_python_and_dbt_agree_on_the_restatement_window(
    tmp_path: Path, as_of: datetime, monday: date
) -> None:
    settings = settings_at(tmp_path, as_of)
    assert restatement_window_start(settings) == monday
    events = dbt(
        settings,
        tmp_path / "target",
        "show",
        "--vars",
        deployment_vars(settings),
        "--inline",
        "select {{ restatement_window_start() }} as window_start",
        "--output",
        "json",
    )
    shown = next(e["data"]["preview"] for e in events if e["info"]["name"] == "ShowNode")
    assert json.loads(shown) == [{"window_start": monday.isoformat()}]


def test_a_new_as_of_keeps_the_parsed_project(tmp_path: Path) -> None:
    """The run's moment travels in the environment, so a later run re-uses the parse."""
    target = tmp_path / "target"
    first = settings_at(tmp_path, datetime(2026, 11, 27, 6, 0, tzinfo=UTC))
    assert prepare_manifest(first, target).exists()
    later = replace(first, as_of=datetime(2026, 12, 4, 6, 0, tzinfo=UTC))
    events = dbt(later, target, "ls", "--vars", deployment_vars(later), "--select", "fct_calls")
    names = {e["info"]["name"] for e in events}
    assert "UnableToPartialParse" not in names, [
        e["info"]["msg"] for e in events if e["info"]["name"] == "UnableToPartialParse"
    ]
    # A changed var, by contrast, does invalidate it (the check above can fail).
    moved = replace(later, raw_dir=tmp_path / "elsewhere")
    events = dbt(moved, target, "ls", "--vars", deployment_vars(moved), "--select", "fct_calls")
    assert "UnableToPartialParse" in {e["info"]["name"] for e in events}


def test_each_build_records_what_it_rewrote(pipeline: PipelineRun) -> None:
    """The first build says all history; any later build names its window's first Monday."""
    home = Path(pipeline.env["DAGSTER_HOME"])
    with DagsterInstance.from_ref(InstanceRef.from_dir(home.as_posix())) as instance:
        # Oldest first: the fixture's run, then any run a test added on the same folders.
        runs = sorted(instance.get_run_records(), key=lambda record: record.create_timestamp)
        assert runs, "the pipeline fixture made no Dagster run"
        scopes = []
        for run in runs:
            records = instance.get_records_for_run(
                run.dagster_run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
            ).records
            for record in records:
                event = record.event_log_entry.asset_materialization
                if event is not None and event.asset_key == SCOPE_MODEL:
                    scopes.append((run.dagster_run.run_id, event.metadata[RESTATED_FROM].value))
        assert scopes, "no materialisation of marts.fct_calls recorded"
        first_run, first_scope = scopes[0]
        assert first_scope == ALL_HISTORY
        assert restated_from(instance, first_run) is None
        for run_id, scope in scopes[1:]:
            monday = date.fromisoformat(scope)
            assert monday.weekday() == 0
            assert restated_from(instance, run_id) == monday


def test_every_duckdb_connection_takes_the_deployment_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dbt's profile, the checks' reader and the ingestion validator share one limit; without it
    each would take DuckDB's default of 80% of the machine's memory."""
    import duckdb

    from orchestration.ingest.validate import connect
    from orchestration.quality.loaders import read_only
    from orchestration.settings import DEFAULT_DUCKDB_MEMORY_LIMIT

    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    assert f"env_var('CALLFUNNEL_DUCKDB_MEMORY_LIMIT', '{DEFAULT_DUCKDB_MEMORY_LIMIT}')" in profile

    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(warehouse.as_posix()).close()

    def limits() -> list[str]:
        with read_only(warehouse) as con:
            checks = con.execute("select current_setting('memory_limit')").fetchone()[0]
        validator = connect("UTC")
        try:
            ingest = validator.execute("select current_setting('memory_limit')").fetchone()[0]
        finally:
            validator.close()
        return [checks, ingest]

    monkeypatch.setenv("CALLFUNNEL_DUCKDB_MEMORY_LIMIT", "1GB")
    small = limits()
    monkeypatch.setenv("CALLFUNNEL_DUCKDB_MEMORY_LIMIT", "3GB")
    large = limits()
    monkeypatch.delenv("CALLFUNNEL_DUCKDB_MEMORY_LIMIT")
    default = limits()
    assert len(set(small)) == 1 and len(set(large)) == 1 and len(set(default)) == 1
    assert small[0] != large[0] and default[0] not in (small[0], large[0])
    assert small[0].endswith(("MiB", "MB")) and large[0].endswith(("GiB", "GB"))


def test_dbt_builds_models_at_once_only_while_the_raw_zone_is_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small warehouses build on every core (the run's cost is its nodes); large ones one model
    at a time (two heavy models share DuckDB's memory limit); the variable decides when set."""
    import duckdb

    from orchestration import settings as settings_module

    monkeypatch.delenv("CALLFUNNEL_DBT_THREADS", raising=False)
    cores = max(1, os.cpu_count() or 1)
    raw = tmp_path / "raw" / "calls"
    raw.mkdir(parents=True)
    duckdb.sql(
        "copy (select range as n from range(1000)) to '" + (raw / "a.parquet").as_posix() + "'"
    )
    size = (raw / "a.parquet").stat().st_size
    assert settings_module.dbt_threads(tmp_path / "raw") == cores
    assert settings_module.dbt_threads(tmp_path / "missing") == cores
    monkeypatch.setattr(settings_module, "SMALL_RAW_ZONE_BYTES", size)
    assert settings_module.dbt_threads(tmp_path / "raw") == 1
    monkeypatch.setenv("CALLFUNNEL_DBT_THREADS", "3")
    assert settings_module.dbt_threads(tmp_path / "raw") == 3
    monkeypatch.setenv("CALLFUNNEL_DBT_THREADS", "none")
    with pytest.raises(ValueError, match="CALLFUNNEL_DBT_THREADS"):
        settings_module.dbt_threads(tmp_path / "raw")

    # dbt takes the number the deployment's environment gives it
    monkeypatch.setenv("CALLFUNNEL_DBT_THREADS", "3")
    settings = settings_at(tmp_path, datetime(2026, 11, 27, 6, tzinfo=UTC))
    events = dbt(settings, tmp_path / "target", "seed", "--select", "channels")
    messages = [event["info"]["msg"] for event in events]
    assert any(message.startswith("Concurrency: 3 threads") for message in messages)


def test_the_dbt_resource_skips_dagster_dbts_adapter_and_version_probe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The resource overrides two private methods of the pinned dagster-dbt; an upgrade that
    renames them would bring back seconds of every run without any error, so this notices."""
    from dagster_dbt import DbtCliResource
    from dagster_dbt.core import resource as dagster_dbt_resource

    from orchestration.transform import DBT_PROJECT, CallfunnelDbtCli

    for name in ("_initialize_dbt_core_adapter", "_cli_version"):
        assert name in vars(DbtCliResource), f"dagster-dbt no longer has {name}"
    asked = DbtCliResource(project_dir=DBT_PROJECT)._cli_version

    def no_process(*args: object, **kwargs: object) -> bytes:
        raise AssertionError(f"started {args[0]!r}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_process)
    resource = CallfunnelDbtCli(project_dir=DBT_PROJECT)
    assert resource._cli_version == asked
    assert resource._initialize_dbt_core_adapter(["build"]) is None
    # a dbt from elsewhere on PATH is asked for its version, as dagster-dbt does
    other = CallfunnelDbtCli(project_dir=DBT_PROJECT, dbt_executable="/bin/sh")
    with pytest.raises(AssertionError, match="started"):
        _ = other._cli_version
