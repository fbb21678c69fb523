"""The data-quality checks as blocking WARN asset checks on the assets they inspect."""

# No `from __future__ import annotations`: Dagster inspects the check's annotations at runtime.
import json
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.quality.config import QualityConfig
from orchestration.quality.outcome import CheckOutcome, Clock
from orchestration.quality.registry import ALL_CHECKS, QualityCheck
from orchestration.resources import CallfunnelSettings


def clock_of(settings: CallfunnelSettings) -> tuple[Path, Clock]:
    """The warehouse path and the run's clock from the settings resource."""
    plain = settings.settings()
    return plain.warehouse, Clock(as_of=plain.as_of, timezone=plain.timezone)


def evaluate_safely(
    check: QualityCheck, warehouse: Path, config: QualityConfig, clock: Clock
) -> CheckOutcome:
    """Run a check; a warehouse that cannot be read (a model missing) fails it, never crashes."""
    try:
        return check.run(warehouse, config, clock)
    except (duckdb.Error, OSError) as exc:
        return CheckOutcome(
            passed=False,
            failed_count=0,
            total_count=0,
            threshold="the warehouse tables the check reads exist",
            summary=f"could not read the warehouse: {type(exc).__name__}: {exc}",
        )


def outcome_metadata(check: QualityCheck, outcome: CheckOutcome) -> dict[str, Any]:
    """Dagster metadata of one outcome: counts, threshold, bounded sample, managers, details."""
    return {
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


def build_asset_check(check: QualityCheck) -> AssetChecksDefinition:
    """A blocking asset check, so that assets downstream (the results table) wait for it.

    Its severity is WARN: a failure is shown and recorded, and never stops the run.
    """

    @asset_check(
        asset=AssetKey(list(check.asset)),
        name=check.name,
        description=check.description,
        blocking=True,
    )
    def _check(
        context: AssetCheckExecutionContext, settings: CallfunnelSettings
    ) -> AssetCheckResult:
        warehouse, clock = clock_of(settings)
        outcome = evaluate_safely(check, warehouse, QualityConfig.from_env(), clock)
        log_outcome(context, check, outcome)
        return AssetCheckResult(
            passed=outcome.passed,
            severity=AssetCheckSeverity.WARN,
            description=outcome.summary[:1000],
            metadata=outcome_metadata(check, outcome),
        )

    return _check


quality_asset_checks: list[AssetChecksDefinition] = [build_asset_check(c) for c in ALL_CHECKS]
