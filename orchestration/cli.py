"""Command line: materialise every asset in-process and print what happened to the data."""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from orchestration.console import command_logger
from orchestration.ingest.contract import SOURCES
from orchestration.settings import Settings

# Staging model that holds each source's rows after the key rule.
# Asset-key prefixes of dbt models and seeds (the rest are ingestion, quality, publish, report).
DBT_LAYERS = ("staging", "intermediate", "marts")

STAGING_MODELS: dict[str, str] = {
    "calls": "stg_calltracker__calls",
    "tracking_numbers": "stg_calltracker__tracking_numbers",
    "crm_leads": "stg_crm__leads",
    "crm_status_events": "stg_crm__status_events",
    "ad_costs": "stg_ads__costs",
}


@dataclass
class SourceSummary:
    """Row accounting of one landing source over the whole raw zone."""

    source: str
    files: int = 0
    bad_files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_staged: int | None = None
    rows_held_out: int = 0

    @property
    def rows_merged(self) -> int | None:
        """Accepted rows that a later row with the same key replaced (duplicates merged)."""
        if self.rows_staged is None:
            return None
        return self.rows_accepted - self.rows_staged


@dataclass
class RunSummary:
    """What one `materialize` did: per-source rows, models built, checks and where things are."""

    success: bool
    sources: list[SourceSummary]
    models_built: int
    checks_passed: int
    checks_failed: list[str]
    checks_warned: list[str]
    warehouse: str
    raw_dir: str
    quarantine_dir: str
    warnings: list[str]
    published: str | None = None
    report: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for item, source in zip(data["sources"], self.sources, strict=True):
            item["rows_merged"] = source.rows_merged
        return data


def read_manifest(raw_dir: Path) -> dict[str, Any]:
    """The raw zone's manifest of landing files, or an empty one before the first ingest."""
    path = raw_dir / "_manifest.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def source_summaries(settings: Settings) -> list[SourceSummary]:
    """Rows read, accepted, rejected, staged and held out per source (manifest + warehouse)."""
    manifest = read_manifest(settings.raw_dir)
    summaries = []
    for source in SOURCES:
        summary = SourceSummary(source=source.name)
        for file_name, entry in sorted(manifest.get(source.name, {}).items()):
            summary.files += 1
            if entry.get("status") == "bad_file":
                summary.bad_files.append(f"{file_name}: {entry.get('problem', '')}".strip())
                continue
            summary.rows_read += int(entry.get("rows_read", 0))
            summary.rows_accepted += int(entry.get("rows_accepted", 0))
            summary.rows_rejected += int(entry.get("rows_rejected", 0))
        summaries.append(summary)
    _add_warehouse_counts(settings.warehouse, summaries)
    return summaries


def _add_warehouse_counts(warehouse: Path, summaries: list[SourceSummary]) -> None:
    if not warehouse.exists():
        return
    with duckdb.connect(warehouse.as_posix(), read_only=True) as con:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'staging'"
            ).fetchall()
        }
        has_quarantine = bool(
            con.execute(
                "select count(*) from information_schema.tables where table_name = 'quarantine'"
            ).fetchone()[0]
        )
        held: dict[str, int] = {}
        if has_quarantine:
            schema = con.execute(
                "select table_schema from information_schema.tables "
                "where table_name = 'quarantine' limit 1"
            ).fetchone()[0]
            held = dict(
                con.execute(
                    f"select source, count(*) from {schema}.quarantine "
                    "where held_out_by = 'dbt' group by source"
                ).fetchall()
            )
        for summary in summaries:
            model = STAGING_MODELS[summary.source]
            if model in tables:
                summary.rows_staged = con.execute(
                    f"select count(*) from staging.{model}"
                ).fetchone()[0]
            summary.rows_held_out = int(held.get(summary.source, 0))


def materialize(settings: Settings) -> RunSummary:
    """Run the whole asset graph once, in this process, on the Dagster instance in DAGSTER_HOME."""
    from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance

    from orchestration.definitions import defs

    instance = DagsterInstance.get()
    job = defs.resolve_job_def("materialize_everything")
    # INFO keeps the operator's view (rows, files, checks) without Dagster's step-level chatter.
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)

    models_built = 0
    report_path: str | None = None
    passed = 0
    failed: list[str] = []
    warned: list[str] = []
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            key = event.asset_key
            if key is not None and key.path[0] in DBT_LAYERS:
                models_built += 1
            if key is not None and key.path[-1] == "weekly_report":
                metadata = event.event_specific_data.materialization.metadata
                path = metadata.get("path")
                report_path = str(getattr(path, "value", path)) if path else None
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            if evaluation.passed:
                passed += 1
            elif evaluation.severity == AssetCheckSeverity.WARN:
                warned.append(name)
            else:
                failed.append(name)

    warnings = []
    if settings.uses_demo_secret:
        warnings.append(
            "CALLFUNNEL_HASH_SECRET is not set: caller keys use the public demo secret. "
            "Set a secret of your own before loading real phone numbers."
        )
    return RunSummary(
        success=result.success,
        sources=source_summaries(settings),
        models_built=models_built,
        checks_passed=passed,
        checks_failed=sorted(failed),
        checks_warned=sorted(warned),
        warehouse=settings.warehouse.as_posix(),
        raw_dir=settings.raw_dir.as_posix(),
        quarantine_dir=settings.quarantine_dir.as_posix(),
        warnings=warnings,
        published=_published_path(settings),
        report=report_path,
    )


DEMO_MARKER = ".callfunnel-demo"


def reset_demo(settings: Settings) -> None:
    """Clear the landing folder, raw zone, quarantine and warehouse, if they hold only demo data.

    A landing folder that holds files but no demo marker is the user's own data: refuse.
    """
    landing = settings.landing_dir
    marker = landing / DEMO_MARKER
    has_files = landing.exists() and any(p.is_file() for p in landing.rglob("*"))
    if has_files and not marker.exists():
        raise ValueError(
            f"{landing} holds files that the demo did not write; refusing to replace them. "
            "Use `make materialize` for your own data, or point CALLFUNNEL_DATA_DIR elsewhere "
            "for the demo."
        )
    for folder in (landing, settings.raw_dir, settings.quarantine_dir):
        if folder.exists():
            shutil.rmtree(folder)
    settings.warehouse.unlink(missing_ok=True)
    settings.warehouse.with_name(settings.warehouse.name + ".wal").unlink(missing_ok=True)


def demo(settings: Settings, weeks: int, calls_per_week: int, seed: int) -> list[str]:
    """Replace the demo data with a fresh simulation ending before `CALLFUNNEL_AS_OF`.

    Returns the lines that describe what was written.
    """
    from orchestration.simulator.runner import simulate

    reset_demo(settings)
    result = simulate(
        landing_dir=settings.landing_dir,
        weeks=weeks,
        calls_per_week=calls_per_week,
        seed=seed,
        as_of=settings.as_of,
        timezone=settings.timezone,
    )
    (settings.landing_dir / DEMO_MARKER).write_text(
        "Written by `callfunnel demo`; `make run` replaces this folder.\n", encoding="utf-8"
    )
    cal = result.calendar
    head = f"demo data: {cal.weeks} weeks, {cal.first_monday} to {cal.last_sunday}, seed {seed}"
    return [head, *(f"  {line}" for line in result.summary_lines())]


def _published_path(settings: Settings) -> str | None:
    from orchestration.publish import PUBLISHED_FILE, publish_dir_for

    path = publish_dir_for(settings) / PUBLISHED_FILE
    return path.as_posix() if path.exists() else None


def render(summary: RunSummary) -> str:
    """The short text summary printed at the end of `make run` / `make materialize`."""
    lines = ["", "callfunnel run " + ("succeeded" if summary.success else "FAILED"), ""]
    header = f"{'source':<18}{'files':>6}{'read':>10}{'accepted':>10}{'merged':>9}"
    header += f"{'rejected':>10}{'held out':>10}"
    lines.append(header)
    for s in summary.sources:
        merged = "-" if s.rows_merged is None else str(s.rows_merged)
        lines.append(
            f"{s.source:<18}{s.files:>6}{s.rows_read:>10}{s.rows_accepted:>10}{merged:>9}"
            f"{s.rows_rejected:>10}{s.rows_held_out:>10}"
        )
    lines.append("")
    lines.append("merged = duplicates replaced by a later row with the same key; held out = rows")
    lines.append("with a code missing from the seeds (dbt keeps them out of the figures).")
    lines.append("")
    for s in summary.sources:
        for bad in s.bad_files:
            lines.append(f"BAD FILE in {s.source}/: {bad}")
    lines.append(f"models built: {summary.models_built}")
    checks = len(summary.checks_failed) + len(summary.checks_warned) + summary.checks_passed
    lines.append(
        f"checks: {checks} run, {summary.checks_passed} passed, "
        f"{len(summary.checks_warned)} warned, {len(summary.checks_failed)} failed"
    )
    for name in summary.checks_failed:
        lines.append(f"  FAILED {name}")
    for name in summary.checks_warned:
        lines.append(f"  warn   {name}")
    for warning in summary.warnings:
        lines.append(f"WARNING: {warning}")
    lines.append("")
    lines.append(f"warehouse:  {summary.warehouse}")
    lines.append(f"raw zone:   {summary.raw_dir}")
    lines.append(f"quarantine: {summary.quarantine_dir}  (also the `quarantine` model)")
    if summary.published:
        lines.append(f"for BI:     {summary.published}  (and Parquet beside it)")
    lines.append(f"report:     {summary.report or 'not written in this run'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="callfunnel", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("materialize", help="ingest the landing folder and build every model")
    run.add_argument("--json", type=Path, help="also write the summary as JSON to this file")
    demo_cmd = sub.add_parser(
        "demo", help="replace the landing folder's demo data with a fresh simulation"
    )
    demo_cmd.add_argument("--weeks", type=int, default=12)
    demo_cmd.add_argument("--calls-per-week", type=int, default=3000)
    demo_cmd.add_argument("--seed", type=int, default=7)
    sub.add_parser(
        "prepare",
        help="parse the dbt project with this deployment's settings (before the first run)",
    )
    args = parser.parse_args(argv)
    say = command_logger("callfunnel")

    try:
        settings = Settings.from_env()
    except ValueError as exc:
        say.error(exc)
        return 2
    if args.command == "prepare":
        from orchestration.dbt_setup import prepare_manifest

        say.info(f"dbt manifest: {prepare_manifest(settings)}")
        return 0
    if args.command == "demo":
        try:
            say.info("\n".join(demo(settings, args.weeks, args.calls_per_week, args.seed)))
        except ValueError as exc:
            say.error(exc)
            return 2
        return 0
    if args.command == "materialize":
        if not settings.landing_dir.exists():
            say.error(
                f"the landing folder {settings.landing_dir} does not exist; "
                "run `make run` for demo data or set CALLFUNNEL_LANDING_DIR"
            )
            return 2
        summary = materialize(settings)
        say.info(render(summary))
        if args.json:
            args.json.write_text(json.dumps(summary.to_json(), indent=2), encoding="utf-8")
        return 0 if summary.success and not summary.checks_failed else 1
    return 2


def exit_without_final_collection(code: int) -> None:
    """Exit the process, skipping only the interpreter's last garbage collections.

    A run leaves a large heap (Dagster, dbt's adapter, Great Expectations, pandas); at exit the
    interpreter walks it several times while it tears the modules down, about 1.5 s of every
    command. Freezing the heap moves it out of the collector's reach; exit handlers still run
    and files are still flushed and closed.
    """
    gc.freeze()
    sys.exit(code)


def run() -> None:
    """The `callfunnel` command (and `python -m orchestration.cli`)."""
    exit_without_final_collection(main())


if __name__ == "__main__":
    run()
