"""Dagster assets that ingest each landing source, and the checks that its files were readable."""

from typing import Any

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from orchestration.ingest.contract import SOURCES, Source
from orchestration.ingest.loader import BAD_FILE, SourceResult, ingest_source, landing_files
from orchestration.ingest.rawzone import MANIFEST_NAME, read_manifest
from orchestration.resources import CallfunnelSettings

GROUP = "ingest"
CHECK_NAME = "landing_files_readable"


def raw_asset_key(source: Source) -> AssetKey:
    """`raw/<source>`: the asset dbt's sources point at."""
    return AssetKey(["raw", source.name])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _files_table(result: SourceResult) -> str:
    rows = [
        "| file | status | read | accepted | rejected | reasons / problem |",
        "|---|---|---|---|---|---|",
    ]
    for f in result.files:
        status = f.status + (" (unchanged, skipped)" if f.skipped else "")
        detail = f.problem or ", ".join(f"{k} × {v}" for k, v in sorted(f.reject_reasons.items()))
        rows.append(
            f"| {_cell(f.name)} | {status} | {f.rows_read} | {f.rows_accepted} | "
            f"{f.rows_rejected} | {_cell(detail)} |"
        )
    return "\n".join(rows)


def _metadata(result: SourceResult) -> dict[str, Any]:
    per_file = {
        f.name: {
            "status": f.status,
            "skipped": f.skipped,
            "rows_read": f.rows_read,
            "rows_accepted": f.rows_accepted,
            "rows_rejected": f.rows_rejected,
            **({"reject_reasons": f.reject_reasons} if f.reject_reasons else {}),
            **({"problem": f.problem} if f.problem else {}),
        }
        for f in result.files
    }
    return {
        "rows_read": MetadataValue.int(result.rows_read),
        "rows_accepted": MetadataValue.int(result.rows_accepted),
        "rows_rejected": MetadataValue.int(result.rows_rejected),
        "files_loaded": MetadataValue.int(len(result.loaded)),
        "files_unchanged": MetadataValue.int(len(result.skipped)),
        "bad_files": MetadataValue.int(len(result.bad_files)),
        "bad_file_problems": MetadataValue.json({f.name: f.problem for f in result.bad_files}),
        "reject_reasons": MetadataValue.json(result.reject_reasons),
        "files": MetadataValue.md(_files_table(result)),
        "per_file": MetadataValue.json(per_file),
        "raw_folder": MetadataValue.path(str(result.raw_folder)),
        "quarantine_folder": MetadataValue.path(str(result.quarantine_folder)),
    }


def _description(source: Source) -> str:
    return (
        f"{source.title}. Reads every CSV file in the landing folder `{source.folder}/` "
        f"(files already ingested with the same content hash are skipped). Writes the accepted "
        f"rows, validated and normalised, to the raw zone `{source.folder}/<file>.parquet`, the "
        f"rejected rows with their reason to the quarantine `{source.folder}/<file>.parquet`, "
        f"and each file's hash and row counts to `{MANIFEST_NAME}`."
    )


def build_ingest_asset(source: Source) -> AssetsDefinition:
    """The ingestion asset of one source."""

    @asset(
        key=raw_asset_key(source),
        group_name=GROUP,
        description=_description(source),
        kinds={"python", "parquet"},
    )
    def _ingest(context: AssetExecutionContext, settings: CallfunnelSettings) -> MaterializeResult:
        result = ingest_source(source, settings.settings(), log=context.log)
        return MaterializeResult(metadata=_metadata(result))

    return _ingest


def bad_landing_files(source: Source, settings: CallfunnelSettings) -> dict[str, str]:
    """Files still in the landing folder that the last ingestion found unreadable → problem."""
    plain = settings.settings()
    entries = read_manifest(plain.raw_dir).get(source.name, {})
    present = {p.name for p in landing_files(plain.landing_dir / source.folder)}
    return {
        name: entry.get("problem") or "unreadable"
        for name, entry in sorted(entries.items())
        if entry.get("status") == BAD_FILE and name in present
    }


def build_readable_check(source: Source) -> AssetChecksDefinition:
    """Fails (ERROR) while a landing file of `source` cannot be read, naming it and why."""

    @asset_check(
        asset=raw_asset_key(source),
        name=CHECK_NAME,
        description=(
            f"Every file in the landing folder `{source.folder}/` is UTF-8 CSV with the "
            f"required columns ({', '.join(source.required_columns)})."
        ),
    )
    def _check(settings: CallfunnelSettings) -> AssetCheckResult:
        bad = bad_landing_files(source, settings)
        summary = "; ".join(f"{name}: {problem}" for name, problem in bad.items())
        return AssetCheckResult(
            passed=not bad,
            severity=AssetCheckSeverity.ERROR,
            description=f"bad landing files: {summary}"
            if bad
            else "every landing file is readable",
            metadata={
                "bad_files": MetadataValue.json(bad),
                "bad_file_count": MetadataValue.int(len(bad)),
            },
        )

    return _check


ingest_assets: list[AssetsDefinition] = [build_ingest_asset(s) for s in SOURCES]
ingest_checks: list[AssetChecksDefinition] = [build_readable_check(s) for s in SOURCES]
