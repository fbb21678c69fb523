"""Ingestion without Dagster: landing CSV files → raw-zone Parquet, quarantine and manifest."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from orchestration.ingest.contract import REASON_NOT_UTF8, SOURCES, Source
from orchestration.ingest.phones import PhoneBook
from orchestration.ingest.rawzone import (
    QUARANTINE_SCHEMA,
    AtomicParquetWriter,
    ensure_schema_files,
    parquet_name,
    raw_schema,
    read_manifest,
    record_file,
)
from orchestration.ingest.reader import (
    DEFAULT_BLOCK_SIZE,
    DUPLICATE_COLUMNS,
    MISSING_COLUMNS,
    NOT_CSV,
    BadFile,
    check_text,
    file_digest,
    read_batches,
    read_header,
)
from orchestration.ingest.validate import BatchValidator, connect, set_timezone
from orchestration.settings import Settings, ingest_threads

LOADED = "loaded"
BAD_FILE = "bad_file"

_default_log = logging.getLogger("orchestration.ingest")


class Log(Protocol):
    """What ingestion logs through: Dagster's `context.log` or a `logging.Logger`."""

    def info(self, msg: str) -> Any: ...

    def warning(self, msg: str) -> Any: ...

    def error(self, msg: str) -> Any: ...


@dataclass(frozen=True)
class FileResult:
    """One landing file: what happened to it and its row counts (rows_read = accepted + rejected).

    `skipped` means the file's content hash matched the manifest, so it was not read again and
    its counts are the ones recorded when it was.
    """

    name: str
    status: str  # LOADED or BAD_FILE, as in the manifest
    sha256: str
    size: int
    skipped: bool = False
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    problem: str | None = None

    def manifest_entry(self, ingested_at: str) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "status": self.status,
            "problem": self.problem,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "reject_reasons": dict(sorted(self.reject_reasons.items())),
            "ingested_at": ingested_at,
        }

    @classmethod
    def from_manifest(cls, name: str, entry: dict[str, Any]) -> FileResult:
        return cls(
            name=name,
            status=entry["status"],
            sha256=entry["sha256"],
            size=entry["size"],
            skipped=True,
            rows_read=entry.get("rows_read", 0),
            rows_accepted=entry.get("rows_accepted", 0),
            rows_rejected=entry.get("rows_rejected", 0),
            reject_reasons=dict(entry.get("reject_reasons", {})),
            problem=entry.get("problem"),
        )


@dataclass
class SourceResult:
    """Outcome of ingesting one source's landing folder in one run."""

    source: str
    raw_folder: Path
    quarantine_folder: Path
    files: list[FileResult] = field(default_factory=list)

    @property
    def loaded(self) -> list[FileResult]:
        """Files read in this run (new or changed) and written to the raw zone."""
        return [f for f in self.files if f.status == LOADED and not f.skipped]

    @property
    def skipped(self) -> list[FileResult]:
        """Files whose content was already ingested: not read again."""
        return [f for f in self.files if f.skipped]

    @property
    def bad_files(self) -> list[FileResult]:
        """Files in the landing folder that cannot be read, whether new or seen before."""
        return [f for f in self.files if f.status == BAD_FILE]

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.loaded)

    @property
    def rows_accepted(self) -> int:
        return sum(f.rows_accepted for f in self.loaded)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.loaded)

    @property
    def reject_reasons(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for f in self.loaded:
            total.update(f.reject_reasons)
        return dict(sorted(total.items()))


def landing_files(folder: Path) -> list[Path]:
    """Files of a landing folder in name order; hidden files (`.name`) and subfolders are not."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_last_stamp = datetime.min
_stamp_lock = threading.Lock()


def _ingestion_stamp() -> datetime:
    """UTC time a file's reading starts (naive, microseconds), later than any earlier stamp.

    Every raw row of the file carries it as `_ingested_at`; a staging model reads only files
    stamped after the newest it holds, so two files must never share a stamp.
    """
    global _last_stamp
    with _stamp_lock:
        now = datetime.now(UTC).replace(tzinfo=None)
        _last_stamp = max(now, _last_stamp + timedelta(microseconds=1))
        return _last_stamp


def _missing_columns(source: Source, names: tuple[str, ...]) -> None:
    missing = [c for c in source.required_columns if c not in names]
    if missing:
        raise BadFile(MISSING_COLUMNS, ", ".join(missing))
    contract = {c.name for c in source.columns}
    repeated = sorted({n for n in names if n in contract and names.count(n) > 1})
    if repeated:
        raise BadFile(DUPLICATE_COLUMNS, ", ".join(repeated))


def _load_file(
    source: Source,
    path: Path,
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    phones: PhoneBook,
    block_size: int,
) -> tuple[int, int, int, dict[str, int]]:
    """Read one landing file into its raw and quarantine Parquet files; raise BadFile if unfit."""
    check_text(path)
    header = read_header(path)
    _missing_columns(source, header.names)
    target = parquet_name(path.name)
    raw = AtomicParquetWriter(settings.raw_dir / source.folder / target, raw_schema(source))
    quarantine = AtomicParquetWriter(
        settings.quarantine_dir / source.folder / target, QUARANTINE_SCHEMA
    )
    validator = BatchValidator(source, header.names, path.name, con, phones, _ingestion_stamp())
    read = accepted = rejected = 0
    try:
        for batch in read_batches(path, header, block_size=block_size):
            good, bad = validator.validate(batch.rows)
            misfits = validator.misshaped(batch.misshaped)
            raw.write(good)
            if misfits.num_rows:
                bad = pa.concat_tables([bad, misfits]).sort_by("source_line")
            quarantine.write(bad)
            read += batch.rows.num_rows + len(batch.misshaped)
            accepted += good.num_rows
            rejected += bad.num_rows
        if read != accepted + rejected:  # pragma: no cover - a broken invariant is a bug
            raise RuntimeError(f"{path.name}: {read} rows read but {accepted + rejected} written")
        quarantine.commit()
        raw.commit()
    except Exception as exc:
        raw.discard()
        quarantine.discard()
        if isinstance(exc, UnicodeDecodeError):
            raise BadFile(REASON_NOT_UTF8, "the file is not UTF-8") from exc
        if isinstance(exc, pa.ArrowException):
            raise BadFile(NOT_CSV, f"the file could not be parsed as CSV ({exc})") from exc
        raise
    return read, accepted, rejected, dict(validator.reasons)


def ingest_source(
    source: Source,
    settings: Settings,
    log: Log | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    threads: int | None = None,
) -> SourceResult:
    """Ingest every new or changed landing file of one source; unchanged files are skipped.

    New and changed files are read `threads` at a time (default `CALLFUNNEL_INGEST_THREADS`),
    each thread with its own DuckDB cursor and phone book. Results and manifest entries follow
    the files' name order; each file read is logged when it is done (in that order), the
    unchanged ones after them.
    """
    log = log or _default_log
    landing = settings.landing_dir / source.folder
    result = SourceResult(
        source=source.name,
        raw_folder=settings.raw_dir / source.folder,
        quarantine_folder=settings.quarantine_dir / source.folder,
    )
    ensure_schema_files(source, settings.raw_dir, settings.quarantine_dir)
    known = read_manifest(settings.raw_dir).get(source.name, {})
    pending: dict[str, tuple[Path, str, int]] = {}
    outcomes: dict[str, FileResult] = {}
    paths = landing_files(landing)
    workers = max(1, threads or ingest_threads())
    # Hashing releases the GIL: the files' digests are computed `workers` at a time.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="digest") as pool:
        digests = list(pool.map(file_digest, paths))
    for path, (sha256, size) in zip(paths, digests, strict=True):
        previous = known.get(path.name)
        if _unchanged(previous, sha256, size, result, path.name):
            outcomes[path.name] = FileResult.from_manifest(path.name, previous)
        else:
            pending[path.name] = (path, sha256, size)
    con = connect(settings.timezone)
    local = threading.local()
    cursors: list[duckdb.DuckDBPyConnection] = []
    cursors_lock = threading.Lock()

    def ingest(job: tuple[Path, str, int]) -> FileResult:
        if not hasattr(local, "con"):
            with cursors_lock:
                local.con = set_timezone(con.cursor(), settings.timezone)
                cursors.append(local.con)
            local.phones = PhoneBook(settings.default_region, settings.hash_secret, con=local.con)
        path, sha256, size = job
        return _ingest_file(
            source, path, sha256, size, settings, local.con, local.phones, block_size
        )

    try:
        with ThreadPoolExecutor(
            max_workers=max(1, min(workers, len(pending))), thread_name_prefix="ingest"
        ) as pool:
            for file_result in pool.map(ingest, pending.values()):
                record_file(
                    settings.raw_dir,
                    source.name,
                    file_result.name,
                    file_result.manifest_entry(_now()),
                )
                outcomes[file_result.name] = file_result
                _log_file(log, source, file_result)
    finally:
        for cursor in cursors:
            cursor.close()
        con.close()
    for path in paths:
        result.files.append(outcomes[path.name])
        if path.name not in pending:
            _log_file(log, source, outcomes[path.name])
    log.info(
        f"{source.name}: {len(result.loaded)} file(s) loaded, {len(result.skipped)} unchanged, "
        f"{len(result.bad_files)} bad; rows read {result.rows_read}, accepted "
        f"{result.rows_accepted}, rejected {result.rows_rejected}"
    )
    return result


def _unchanged(
    previous: dict[str, Any] | None, sha256: str, size: int, result: SourceResult, name: str
) -> bool:
    """Same content as recorded, and (when it loaded) its Parquet files are still there."""
    if not previous or previous.get("sha256") != sha256 or previous.get("size") != size:
        return False
    if previous.get("status") != LOADED:
        return True
    target = parquet_name(name)
    return (result.raw_folder / target).exists() and (result.quarantine_folder / target).exists()


def _ingest_file(
    source: Source,
    path: Path,
    sha256: str,
    size: int,
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    phones: PhoneBook,
    block_size: int,
) -> FileResult:
    try:
        read, accepted, rejected, reasons = _load_file(
            source, path, settings, con, phones, block_size
        )
    except BadFile as bad:
        return FileResult(path.name, BAD_FILE, sha256, size, problem=bad.problem)
    return FileResult(
        path.name,
        LOADED,
        sha256,
        size,
        rows_read=read,
        rows_accepted=accepted,
        rows_rejected=rejected,
        reject_reasons=reasons,
    )


def _log_file(log: Log, source: Source, f: FileResult) -> None:
    where = f"{source.folder}/{f.name}"
    if f.status == BAD_FILE:
        seen = " (unchanged since it was first reported)" if f.skipped else ""
        log.error(f"{where}: bad file, not loaded{seen}: {f.problem}")
    elif f.skipped:
        log.info(f"{where}: unchanged (sha256 {f.sha256[:12]}…), not read again")
    else:
        why = ", ".join(f"{reason} × {n}" for reason, n in sorted(f.reject_reasons.items()))
        log.info(
            f"{where}: {f.rows_read} rows read, {f.rows_accepted} accepted, "
            f"{f.rows_rejected} rejected" + (f" ({why})" if why else "")
        )


def ingest_all(settings: Settings, log: Log | None = None) -> dict[str, SourceResult]:
    """Ingest every source of the contract, in contract order."""
    return {s.name: ingest_source(s, settings, log=log) for s in SOURCES}
