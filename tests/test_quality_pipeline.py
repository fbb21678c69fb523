"""Data-quality checks on simulator data: each planted gap is caught by exactly its check."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest

from orchestration.quality import ledger
from orchestration.quality.config import QualityConfig
from orchestration.quality.dagster_checks import evaluate_in_scope
from orchestration.quality.outcome import CheckOutcome, Clock
from orchestration.quality.registry import ALL_CHECKS
from orchestration.settings import DBT_PROJECT_DIR, parse_as_of
from orchestration.simulator.truths import calendar_for, planted_faults, planted_truths
from tests.conftest import (
    TEST_AS_OF,
    TEST_CALLS_PER_WEEK,
    TEST_SEED,
    TEST_WEEKS,
    PipelineRun,
    pipeline_env,
    run_materialize,
    run_simulator,
)

TZ = "Europe/Moscow"
CLOCK = Clock(parse_as_of(TEST_AS_OF, ZoneInfo(TZ)), TZ)
CALENDAR = calendar_for(datetime.fromisoformat(TEST_AS_OF), TZ, TEST_WEEKS)
FAULTS = planted_faults(CALENDAR)

# The checks the faulty run must fail; every other check must pass.
EXPECTED_FAILURES = {
    "intermediate/int_leads:lead_status_after_new",
    "intermediate/int_leads:quality_score_filled",
    "intermediate/int_leads:lost_leads_have_reason",
    "intermediate/int_leads:won_leads_have_amount",
    "intermediate/int_leads:stale_leads",
    "intermediate/int_calls_attributed:calls_to_registered_numbers",
    "staging/stg_crm__leads:leads_reference_known_calls",
    "intermediate/int_ads__costs_known:paid_channels_with_calls_have_spend",
}


# A run that rewrote the weeks from this Monday on: the test data's last three weeks.
REWRITTEN_FROM = date(2026, 11, 2)


def run_all(warehouse: Path) -> dict[str, CheckOutcome]:
    config = QualityConfig()
    return {f"{c.asset_string}:{c.name}": c.run(warehouse, config, CLOCK) for c in ALL_CHECKS}


def findings(outcome: CheckOutcome) -> tuple:
    """What a check found, whichever weeks the run read itself."""
    return (
        outcome.passed,
        outcome.failed_count,
        outcome.total_count,
        outcome.sample,
        outcome.managers,
    )


@pytest.fixture(scope="module")
def outcomes(pipeline: PipelineRun) -> dict[str, CheckOutcome]:
    return run_all(pipeline.warehouse)


def managers_of(pipeline: PipelineRun, lead_ids: tuple[str, ...]) -> dict[str, int]:
    rows = pipeline.query(
        "select manager_id, count(*) from intermediate.int_leads "
        "where list_contains(?, lead_id) group by manager_id",
        [list(lead_ids)],
    )
    return {m: n for m, n in rows}


def test_faulty_run_fails_exactly_the_planted_checks(outcomes: dict[str, CheckOutcome]) -> None:
    failed = {name for name, o in outcomes.items() if not o.passed}
    assert failed == EXPECTED_FAILURES


def test_lead_without_events_names_lead_and_manager(
    pipeline: PipelineRun, outcomes: dict[str, CheckOutcome]
) -> None:
    out = outcomes["intermediate/int_leads:lead_status_after_new"]
    assert out.sample == FAULTS.leads_without_events
    assert out.managers == managers_of(pipeline, FAULTS.leads_without_events)


def test_score_skipper_is_the_only_manager_named(outcomes: dict[str, CheckOutcome]) -> None:
    out = outcomes["intermediate/int_leads:quality_score_filled"]
    assert set(out.managers) == {FAULTS.score_skipper}
    assert out.failed_count > 0 and 0 < len(out.sample) <= QualityConfig().sample_size


def test_reason_skipper_is_the_only_manager_named(outcomes: dict[str, CheckOutcome]) -> None:
    out = outcomes["intermediate/int_leads:lost_leads_have_reason"]
    assert set(out.managers) == {FAULTS.reason_skipper}
    assert out.details["missing_reason"] == out.failed_count


def test_won_without_amount(pipeline: PipelineRun, outcomes: dict[str, CheckOutcome]) -> None:
    out = outcomes["intermediate/int_leads:won_leads_have_amount"]
    assert out.sample == FAULTS.won_without_amount
    assert out.managers == managers_of(pipeline, FAULTS.won_without_amount)


def test_stale_leads_of_the_stale_manager(outcomes: dict[str, CheckOutcome]) -> None:
    out = outcomes["intermediate/int_leads:stale_leads"]
    assert set(out.sample) == set(FAULTS.stale_leads)
    assert out.managers == {FAULTS.stale_manager: len(FAULTS.stale_leads)}


def test_unregistered_number_and_its_calls(outcomes: dict[str, CheckOutcome]) -> None:
    out = outcomes["intermediate/int_calls_attributed:calls_to_registered_numbers"]
    assert set(out.sample) == set(FAULTS.unregistered_calls)
    assert set(out.details["unregistered_numbers"]) == {FAULTS.unregistered_number}


def test_lead_pointing_to_unknown_call(
    pipeline: PipelineRun, outcomes: dict[str, CheckOutcome]
) -> None:
    out = outcomes["staging/stg_crm__leads:leads_reference_known_calls"]
    assert out.details["unknown_calls"] == dict(FAULTS.leads_with_unknown_call)
    lead_ids = tuple(lead for lead, _ in FAULTS.leads_with_unknown_call)
    assert out.managers == managers_of(pipeline, lead_ids)


def test_paid_channel_without_spend(outcomes: dict[str, CheckOutcome]) -> None:
    out = outcomes["intermediate/int_ads__costs_known:paid_channels_with_calls_have_spend"]
    assert set(out.sample) == {f"{channel} in week {monday}" for channel, monday in FAULTS.no_spend}


def test_reopened_leads_are_counted_not_failed(outcomes: dict[str, CheckOutcome]) -> None:
    truths = planted_truths(CALENDAR, TEST_CALLS_PER_WEEK)
    out = outcomes["intermediate/int_leads:status_history_plausible"]
    assert out.passed
    reopened = set(truths.reopened_won_then_lost + truths.reopened_lost_then_won)
    assert reopened <= set(out.details["reopened_sample"])


def test_checks_of_the_rewritten_weeks_add_up_to_a_full_inspection(
    pipeline: PipelineRun, outcomes: dict[str, CheckOutcome]
) -> None:
    """Weekly checks read the weeks from REWRITTEN_FROM on and take the earlier weeks from the
    ledger a full inspection left: together they find what the full inspection found."""
    full = [
        ledger.WeeksChecked(
            c.asset_string, c.name, None, outcomes[f"{c.asset_string}:{c.name}"].weeks
        )
        for c in ALL_CHECKS
        if c.weekly
    ]
    kept = ledger.updated(ledger.empty(), full, "full", datetime.now(UTC))
    read_fewer = []
    for check in ALL_CHECKS:
        key = f"{check.asset_string}:{check.name}"
        outcome, since = evaluate_in_scope(
            check, pipeline.warehouse, QualityConfig(), CLOCK, REWRITTEN_FROM, kept
        )
        assert findings(outcome) == findings(outcomes[key]), key
        if not check.weekly:
            assert since is None, key
            continue
        assert since == REWRITTEN_FROM, key
        assert all(t.week_start >= REWRITTEN_FROM for t in outcome.weeks), key
        read = sum(t.total_count for t in outcome.weeks)
        if read < outcomes[key].total_count:
            read_fewer.append(check.name)
    # every lead check, the call checks and the channel-week checks read only the recent weeks
    assert {
        "lead_status_after_new",
        "call_outcome_filled",
        "quality_score_filled",
        "lost_leads_have_reason",
        "status_history_plausible",
        "calls_to_registered_numbers",
        "answered_calls_have_lead_card",
        "leads_reference_known_calls",
        "paid_spend_has_calls",
    } <= set(read_fewer)


def test_checks_and_results_asset_in_dagster(
    pipeline: PipelineRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The blocking checks run before data_quality_results, which writes every outcome and the
    weekly checks' tallies; a run that rewrote recent weeks only keeps the earlier tallies."""
    from dagster import AssetSpec, DagsterInstance, MaterializeResult, materialize, multi_asset

    from orchestration import transform
    from orchestration.quality import quality_assets, quality_checks
    from orchestration.resources import CallfunnelSettings
    from orchestration.settings import Settings

    keys = sorted({c.asset for c in ALL_CHECKS})

    @multi_asset(specs=[AssetSpec(list(k)) for k in keys])
    def warehouse_models():  # stands in for the dbt assets: the warehouse is already built
        for k in keys:
            yield MaterializeResult(asset_key=list(k))

    data_dir = tmp_path / "data"
    quality = data_dir / "quality"
    env = {**pipeline.env, "CALLFUNNEL_DATA_DIR": data_dir.as_posix()}
    instance = DagsterInstance.ephemeral()

    def run() -> str:
        with monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            settings = CallfunnelSettings.from_settings(Settings.from_env())
            result = materialize(
                [warehouse_models, *quality_checks, *quality_assets],
                resources={"settings": settings},
                instance=instance,
            )
        assert result.success
        steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_START"]
        assert steps[-1] == "quality__data_quality_results"
        return result.run_id

    # No dbt build recorded a scope: every week is inspected.
    first_run = run()
    latest = pd.read_parquet(quality / "data_quality_results.parquet")
    runs = list((quality / "runs").glob("*.parquet"))
    assert len(runs) == 1 and len(latest) == len(ALL_CHECKS)
    assert latest["run_id"].eq(first_run).all() and latest["checked_from"].isna().all()
    failed = latest.loc[~latest["passed"]]
    assert {f"{a}:{c}" for a, c in zip(failed["asset_key"], failed["check_name"], strict=True)} == (
        EXPECTED_FAILURES
    )
    stale = latest.set_index("check_name").loc["stale_leads"]
    assert json.loads(stale["managers"]) == {FAULTS.stale_manager: len(FAULTS.stale_leads)}
    weeks = pd.read_parquet(quality / ledger.WEEKS_FILE)
    assert weeks["run_id"].eq(first_run).all()
    assert weeks["week_start"].min() < pd.Timestamp(REWRITTEN_FROM)

    # A build that rewrote the weeks from REWRITTEN_FROM on: the same findings, read from those
    # weeks and the earlier weeks' tallies.
    monkeypatch.setattr(transform, "restated_from", lambda instance, run_id: REWRITTEN_FROM)
    second_run = run()
    again = pd.read_parquet(quality / "data_quality_results.parquet")
    columns = ["asset_key", "check_name", "passed", "failed_count", "total_count", "sample"]
    assert again[columns].equals(latest[columns])
    weekly = {c.name for c in ALL_CHECKS if c.weekly}
    scope = again.set_index("check_name")["checked_from"]
    assert set(scope.dropna().index) == weekly and set(scope.dropna()) == {"2026-11-02"}
    kept = pd.read_parquet(quality / ledger.WEEKS_FILE)
    rewritten = kept["week_start"] >= pd.Timestamp(REWRITTEN_FROM)
    assert kept.loc[rewritten, "run_id"].eq(second_run).all()
    assert kept.loc[~rewritten, "run_id"].eq(first_run).all()
    assert kept.drop(columns=["run_id", "checked_at"]).equals(
        weeks.drop(columns=["run_id", "checked_at"])
    )


def test_data_quality_weekly_agrees_with_the_checks(
    pipeline: PipelineRun, outcomes: dict[str, CheckOutcome], tmp_path: Path
) -> None:
    """Build the mart with dbt on a copy of the warehouse and compare it with the checks."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline.warehouse, warehouse)
    env = {
        **pipeline.env,
        "CALLFUNNEL_WAREHOUSE": warehouse.as_posix(),
        "DBT_TARGET_PATH": (tmp_path / "target").as_posix(),
        "DBT_LOG_PATH": (tmp_path / "logs").as_posix(),
    }
    dbt_vars = {
        "as_of": CLOCK.now_utc.strftime("%Y-%m-%d %H:%M:%S"),
        "raw_dir": pipeline.raw_dir.as_posix(),
        "quarantine_dir": pipeline.quarantine_dir.as_posix(),
        "business_timezone": TZ,
        **QualityConfig().dbt_vars(),
    }
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), "build", "--select", "data_quality_weekly", "--vars", json.dumps(dbt_vars)],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    with duckdb.connect(warehouse.as_posix(), read_only=True) as con:
        totals = con.execute(
            """
            select
                manager_id,
                sum(leads_past_grace - leads_with_status),
                sum(answered_call_leads - leads_with_score),
                sum(lost_leads - lost_leads_with_reason),
                sum(stale_leads)
            from marts.data_quality_weekly group by manager_id
            """
        ).fetchall()
    per_manager = {m: tuple(int(v) for v in rest) for m, *rest in totals}
    for column, check in enumerate(
        ["lead_status_after_new", "quality_score_filled", "lost_leads_have_reason", "stale_leads"]
    ):
        expected = outcomes[f"intermediate/int_leads:{check}"].managers
        found = {m: v[column] for m, v in per_manager.items() if v[column]}
        assert found == expected, check


def test_clean_run_passes_every_check(tmp_path: Path, dbt_manifest: Path) -> None:
    """The simulator's clean mode, materialised on its own, passes every data-quality check."""
    env = pipeline_env(tmp_path)
    run_simulator(
        env,
        "--weeks",
        str(TEST_WEEKS),
        "--calls-per-week",
        str(TEST_CALLS_PER_WEEK),
        "--seed",
        str(TEST_SEED),
        "--clean",
    )
    run_materialize(tmp_path, env)
    outcomes = run_all(Path(env["CALLFUNNEL_WAREHOUSE"]))
    failed = {name: o.summary for name, o in outcomes.items() if not o.passed}
    assert failed == {}
