"""The data-quality checks as blocking WARN asset checks on the assets they inspect."""

# No `from __future__ import annotations`: Dagster inspects the check's annotations at runtime.
import json
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from orchestration.quality import ledger
from orchestration.quality.config import QualityConfig
from orchestration.quality.outcome import CheckOutcome, Clock, with_earlier_weeks
from orchestration.quality.registry import ALL_CHECKS, QualityCheck
from orchestration.resources import CallfunnelSettings

RESULTS_FOLDER = "quality"
# Metadata of a weekly check's evaluation: the first week it inspected, and its weekly tallies.
CHECKED_FROM = "checked_from"
ALL_WEEKS = "all weeks"
WEEKS = "weeks"


def clock_of(settings: CallfunnelSettings) -> tuple[Path, Clock]:
    """The warehouse path and the run's clock from the settings resource."""
    plain = settings.settings()
    return plain.warehouse, Clock(as_of=plain.as_of, timezone=plain.timezone)


def results_dir(data_dir: Path) -> Path:
    """`<data_dir>/quality/`: the results of the latest run, of every run, and weekly tallies."""
    return data_dir / RESULTS_FOLDER


def run_scope(instance: Any, run_id: str) -> date | None:
    """The Monday from which the run's dbt build rewrote weeks; None when it rebuilt them all."""
    try:
        from orchestration.transform import restated_from
    except ImportError:  # no record of what the build rewrote: inspect every week
        return None
    return restated_from(instance, run_id)


def evaluate_safely(
    check: QualityCheck,
    warehouse: Path,
    config: QualityConfig,
    clock: Clock,
    since: date | None = None,
) -> CheckOutcome:
    """Run a check; a warehouse that cannot be read (a model missing) fails it, never crashes."""
    try:
        return check.run(warehouse, config, clock, since)
    except (duckdb.Error, OSError) as exc:
        return CheckOutcome(
            passed=False,
            failed_count=0,
            total_count=0,
            threshold="the warehouse tables the check reads exist",
            summary=f"could not read the warehouse: {type(exc).__name__}: {exc}",
            details={"unreadable": True},
        )


def evaluate_in_scope(
    check: QualityCheck,
    warehouse: Path,
    config: QualityConfig,
    clock: Clock,
    since: date | None,
    kept: pd.DataFrame,
) -> tuple[CheckOutcome, date | None]:
    """Evaluate a check on the weeks a run rewrote, joined with the earlier weeks' tallies.

    A weekly check reads the rows of the weeks from `since` on and adds the tallies `kept`
    (ledger) holds for the weeks before; with no kept tallies it inspects every week. Other
    checks read what they need. Returns the outcome and the first week inspected (None: all).
    """
    if not check.weekly:
        return evaluate_safely(check, warehouse, config, clock), None
    earlier = ledger.tallies_of(kept, check.asset_string, check.name)
    if not earlier:
        since = None
    outcome = evaluate_safely(check, warehouse, config, clock, since)
    if since is None or outcome.details.get("unreadable"):
        return outcome, since
    return (
        with_earlier_weeks(
            outcome,
            [t for t in earlier if t.week_start < since],
            since,
            config.sample_size,
            lambda failed, total: check.passes(failed, total, config),
        ),
        since,
    )


def scope_metadata(check: QualityCheck, outcome: CheckOutcome, since: date | None) -> dict:
    """For a weekly check that read the warehouse: the first week inspected and the tallies."""
    if not check.weekly or outcome.details.get("unreadable"):
        return {}
    return {
        CHECKED_FROM: since.isoformat() if since else ALL_WEEKS,
        WEEKS: [t.as_record() for t in outcome.weeks],
    }


def outcome_metadata(
    check: QualityCheck, outcome: CheckOutcome, since: date | None = None
) -> dict[str, Any]:
    """Dagster metadata of one outcome: counts, threshold, bounded sample, managers, details,
    and for a weekly check the weeks it inspected with their tallies."""
    scope = {
        key: MetadataValue.text(value) if key == CHECKED_FROM else MetadataValue.json(value)
        for key, value in scope_metadata(check, outcome, since).items()
    }
    return {
        **scope,
        "passed": MetadataValue.bool(outcome.passed),
        "failed_count": MetadataValue.int(outcome.failed_count),
        "total_count": MetadataValue.int(outcome.total_count),
        "threshold": MetadataValue.text(outcome.threshold),
        "sample": MetadataValue.json(list(outcome.sample)),
        "managers": MetadataValue.json(outcome.managers),
        "details": MetadataValue.json(json.loads(json.dumps(outcome.details, default=str))),
        "where_to_look": MetadataValue.text(check.where),
        "check_group": MetadataValue.text(check.group),
    }


def log_outcome(context: Any, check: QualityCheck, outcome: CheckOutcome) -> None:
    """One line an operator can act on: which check, how many rows, where to look."""
    head = f"[data quality] {check.asset_string}:{check.name}"
    if outcome.passed:
        context.log.info(f"{head} passed: {outcome.summary}")
        return
    sample = f"; e.g. {', '.join(outcome.sample[:5])}" if outcome.sample else ""
    context.log.warning(
        f"{head} FAILED ({outcome.failed_count} of {outcome.total_count}; threshold: "
        f"{outcome.threshold}): {outcome.summary}{sample}. Look at: {check.where}"
    )


# The one step that evaluates every data-quality check (Dagster reports each separately).
CHECKS_STEP = "data_quality_checks"


def build_asset_checks(checks: Sequence[QualityCheck]) -> AssetChecksDefinition:
    """Every check as a blocking asset check of its asset, evaluated in one step.

    Blocking, so that assets downstream (the results table) wait for them. Their severity is
    WARN: a failure is shown and recorded, and never stops the run. One step rather than one per
    check: they share the settings, the run's scope and the kept weekly tallies, and each step
    costs Dagster a dozen stored events. A run may select any subset of the checks.
    """
    by_key = {AssetCheckKey(AssetKey(list(c.asset)), c.name): c for c in checks}
    specs = [
        AssetCheckSpec(name=c.name, asset=key.asset_key, description=c.description, blocking=True)
        for key, c in by_key.items()
    ]

    @multi_asset_check(
        specs=specs,
        name=CHECKS_STEP,
        description="The data-quality checks of the warehouse (docs/data_quality.md).",
        can_subset=True,
    )
    def _checks(
        context: AssetCheckExecutionContext, settings: CallfunnelSettings
    ) -> Iterator[AssetCheckResult]:
        warehouse, clock = clock_of(settings)
        config = QualityConfig.from_env()
        kept = ledger.read(results_dir(settings.settings().data_dir))
        selected = [by_key[key] for key in by_key if key in context.selected_asset_check_keys]
        scope = (
            run_scope(context.instance, context.run.run_id)
            if any(c.weekly for c in selected)
            else None
        )
        for check in selected:
            since = scope if check.weekly else None
            outcome, since = evaluate_in_scope(check, warehouse, config, clock, since, kept)
            log_outcome(context, check, outcome)
            yield AssetCheckResult(
                asset_key=AssetKey(list(check.asset)),
                check_name=check.name,
                passed=outcome.passed,
                severity=AssetCheckSeverity.WARN,
                description=outcome.summary[:1000],
                metadata=outcome_metadata(check, outcome, since),
            )

    return _checks


quality_asset_checks: list[AssetChecksDefinition] = [build_asset_checks(ALL_CHECKS)]
