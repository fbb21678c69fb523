"""The `data_quality_results` asset: every check outcome of a run, as Parquet for BI and report."""

# No `from __future__ import annotations`: Dagster inspects the asset's annotations at runtime.
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    DagsterEventType,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.quality import ledger
from orchestration.quality.config import QualityConfig
from orchestration.quality.dagster_checks import (
    ALL_WEEKS,
    CHECKED_FROM,
    WEEKS,
    clock_of,
    evaluate_in_scope,
    results_dir,
    run_scope,
    scope_metadata,
)
from orchestration.quality.outcome import WeekTally
from orchestration.quality.registry import ALL_CHECKS
from orchestration.resources import CallfunnelSettings

RESULTS_KEY = AssetKey(["quality", "data_quality_results"])
LATEST_FILE = "data_quality_results.parquet"
RUNS_FOLDER = "runs"
OWN_CHECKS = {(c.asset_string, c.name) for c in ALL_CHECKS}

# Column order and types of the Parquet file (one row per check evaluated in the run).
COLUMNS: dict[str, str] = {
    "run_id": "string",
    "checked_at": "datetime64[us, UTC]",
    "as_of": "datetime64[us, UTC]",
    "check_name": "string",
    "asset_key": "string",
    "origin": "string",  # callfunnel (these checks), dbt (dbt tests), ingest (landing files)
    "passed": "boolean",
    "severity": "string",  # WARN or ERROR
    "failed_count": "Int64",  # offending rows; null when the check does not count them
    "total_count": "Int64",  # rows inspected; null when unknown (dbt tests)
    "threshold": "string",
    "summary": "string",
    "sample": "string",  # JSON list of at most sample_size offending ids
    "managers": "string",  # JSON object manager_id → offending rows (manager checks)
    "details": "string",  # JSON object of the check's further figures
    # First week (Monday) whose rows this run inspected; earlier weeks' findings are the kept
    # ones (data_quality_weeks.parquet). Null: the check read every week it needs.
    "checked_from": "string",
}


def _value(metadata: dict[str, Any], key: str) -> Any:
    item = metadata.get(key)
    return getattr(item, "value", item)


def _origin(asset_key: str, check_name: str) -> str:
    if (asset_key, check_name) in OWN_CHECKS:
        return "callfunnel"
    return "ingest" if asset_key.startswith("raw/") else "dbt"


def _scope_of(metadata: dict[str, Any]) -> dict[str, Any]:
    """checked_from, and the weekly tallies a weekly check reported (kept under `weeks`)."""
    checked_from = _value(metadata, CHECKED_FROM)
    if checked_from is None:
        return {"checked_from": None}
    weeks = [WeekTally.from_record(r) for r in _value(metadata, WEEKS) or []]
    return {
        "checked_from": None if checked_from == ALL_WEEKS else str(checked_from),
        WEEKS: weeks,
    }


def evaluation_rows(instance: Any, run_id: str) -> list[dict[str, Any]]:
    """One row per asset check evaluated so far in `run_id` (the latest, if one ran twice)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    cursor = None
    while True:
        page = instance.get_records_for_run(
            run_id, cursor=cursor, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=500
        )
        for record in page.records:
            entry = record.event_log_entry
            evaluation = entry.dagster_event.event_specific_data
            metadata = dict(evaluation.metadata or {})
            asset_key = evaluation.asset_key.to_user_string()
            failed = _value(metadata, "failed_count")
            if failed is None:
                failed = _value(metadata, "dagster_dbt/failed_row_count")
            rows[(asset_key, evaluation.check_name)] = {
                "checked_at": datetime.fromtimestamp(entry.timestamp, UTC),
                "check_name": evaluation.check_name,
                "asset_key": asset_key,
                "origin": _origin(asset_key, evaluation.check_name),
                "passed": bool(evaluation.passed),
                "severity": evaluation.severity.value,
                "failed_count": failed,
                "total_count": _value(metadata, "total_count"),
                "threshold": _value(metadata, "threshold"),
                "summary": evaluation.description,
                "sample": json.dumps(_value(metadata, "sample") or [], ensure_ascii=False),
                "managers": json.dumps(_value(metadata, "managers") or {}, ensure_ascii=False),
                "details": json.dumps(_value(metadata, "details") or {}, ensure_ascii=False),
                **_scope_of(metadata),
            }
        cursor = page.cursor
        if not page.has_more:
            break
    return list(rows.values())


def own_rows(
    settings: CallfunnelSettings,
    missing: set[tuple[str, str]],
    since: date | None,
    kept: pd.DataFrame,
) -> list[dict[str, Any]]:
    """Evaluate directly the checks of this package that the run did not evaluate."""
    warehouse, clock = clock_of(settings)
    config = QualityConfig.from_env()
    rows = []
    for check in ALL_CHECKS:
        if (check.asset_string, check.name) not in missing:
            continue
        outcome, scope = evaluate_in_scope(check, warehouse, config, clock, since, kept)
        metadata = scope_metadata(check, outcome, scope)
        rows.append(
            {
                "checked_at": datetime.now(UTC),
                "check_name": check.name,
                "asset_key": check.asset_string,
                "origin": "callfunnel",
                "passed": outcome.passed,
                "severity": outcome.severity,
                "failed_count": outcome.failed_count,
                "total_count": outcome.total_count,
                "threshold": outcome.threshold,
                "summary": outcome.summary,
                "sample": json.dumps(list(outcome.sample), ensure_ascii=False),
                "managers": json.dumps(outcome.managers, ensure_ascii=False),
                "details": json.dumps(outcome.details, ensure_ascii=False, default=str),
                **_scope_of(metadata),
            }
        )
    return rows


def weeks_checked(rows: list[dict[str, Any]]) -> list[ledger.WeeksChecked]:
    """The weekly tallies the run's weekly checks reported, with the week each started from."""
    return [
        ledger.WeeksChecked(
            asset_key=row["asset_key"],
            check_name=row["check_name"],
            since=date.fromisoformat(row["checked_from"]) if row["checked_from"] else None,
            tallies=tuple(row[WEEKS]),
        )
        for row in rows
        if WEEKS in row and (row["asset_key"], row["check_name"]) in OWN_CHECKS
    ]


def results_frame(rows: list[dict[str, Any]], run_id: str, as_of: datetime) -> pd.DataFrame:
    """The rows as a typed frame in the documented column order, sorted by asset and check."""
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("run_id", "as_of")])
    frame.insert(0, "run_id", run_id)
    frame.insert(2, "as_of", pd.Timestamp(as_of).tz_convert("UTC"))
    for column, dtype in COLUMNS.items():
        if column in ("checked_at", "as_of"):
            frame[column] = pd.to_datetime(frame[column], utc=True).astype(dtype)
        else:
            frame[column] = frame[column].astype(dtype)
    return frame.sort_values(["asset_key", "check_name"], ignore_index=True)


def write_results(frame: pd.DataFrame, folder: Path, run_id: str) -> tuple[Path, Path]:
    """Write `runs/<run_id>.parquet` and replace the latest file (atomically, via a rename)."""
    runs = folder / RUNS_FOLDER
    runs.mkdir(parents=True, exist_ok=True)
    run_file = runs / f"{run_id}.parquet"
    frame.to_parquet(run_file, index=False)
    latest = folder / LATEST_FILE
    partial = folder / f".{LATEST_FILE}.{os.getpid()}.tmp"
    frame.to_parquet(partial, index=False)
    partial.replace(latest)
    return latest, run_file


@asset(
    key=RESULTS_KEY,
    group_name="quality",
    deps=sorted({AssetKey(list(c.asset)) for c in ALL_CHECKS}, key=lambda k: k.path),
    kinds={"python", "parquet"},
    description=(
        "Every asset check evaluated in this run (dbt tests, ingestion checks and the "
        "data-quality checks, which are blocking so this asset runs after them): check, asset, "
        "passed, severity, counts, a bounded sample and the managers concerned. Written to "
        "`<data_dir>/quality/data_quality_results.parquet` (latest run) and "
        "`<data_dir>/quality/runs/<run_id>.parquet`; the weekly checks' findings per week in "
        "`<data_dir>/quality/data_quality_weeks.parquet`."
    ),
)
def data_quality_results(
    context: AssetExecutionContext, settings: CallfunnelSettings
) -> MaterializeResult:
    """Collect this run's check evaluations; evaluate any data-quality check the run skipped.

    The weekly checks' tallies replace the kept ones of the weeks they inspected; earlier
    weeks keep theirs (`data_quality_weeks.parquet`).
    """
    plain = settings.settings()
    folder = results_dir(plain.data_dir)
    kept = ledger.read(folder)
    rows = evaluation_rows(context.instance, context.run.run_id)
    seen = {(r["asset_key"], r["check_name"]) for r in rows}
    missing = OWN_CHECKS - seen
    if missing:
        context.log.info(
            f"{len(missing)} data-quality checks did not run in this run; evaluating them here"
        )
        since = run_scope(context.instance, context.run.run_id)
        rows.extend(own_rows(settings, missing, since, kept))
    frame = results_frame(rows, context.run.run_id, plain.as_of)
    latest, run_file = write_results(frame, folder, context.run.run_id)
    weeks_file = ledger.write(
        ledger.updated(kept, weeks_checked(rows), context.run.run_id, datetime.now(UTC)), folder
    )

    failed = frame[~frame["passed"]]
    for row in failed.itertuples():
        context.log.warning(
            f"[data quality] {row.severity} {row.asset_key}:{row.check_name} failed "
            f"({row.failed_count if pd.notna(row.failed_count) else '?'} rows): {row.summary}"
        )
    context.log.info(
        f"{len(frame)} check results ({len(failed)} failed) written to {latest} and {run_file}"
    )
    table = (
        failed[["asset_key", "check_name", "severity", "failed_count"]].to_markdown(index=False)
        if not failed.empty
        else "every check passed"
    )
    return MaterializeResult(
        metadata={
            "checks": MetadataValue.int(len(frame)),
            "passed": MetadataValue.int(int(frame["passed"].sum())),
            "failed_warn": MetadataValue.int(int((failed["severity"] == "WARN").sum())),
            "failed_error": MetadataValue.int(int((failed["severity"] == "ERROR").sum())),
            "failed_checks": MetadataValue.md(table),
            "latest_path": MetadataValue.path(str(latest)),
            "run_path": MetadataValue.path(str(run_file)),
            "weeks_path": MetadataValue.path(str(weeks_file)),
        }
    )
