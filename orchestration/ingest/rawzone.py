"""Raw-zone and quarantine layout: Arrow schemas, atomic Parquet writers and the shared manifest."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.ingest.contract import QUARANTINE_COLUMNS, Source

MANIFEST_NAME = "_manifest.json"
SCHEMA_FILE_NAME = "_schema.parquet"
PARQUET_SUFFIX = ".parquet"
_LOCK_NAME = ".manifest.lock"
_COMPRESSION = "zstd"

# DuckDB storage types (contract.STORAGE_TYPE) as Arrow types, so Parquet carries them exactly.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "TIMESTAMP": pa.timestamp("us"),
    "DATE": pa.date32(),
    "BIGINT": pa.int64(),
    "DECIMAL(18,4)": pa.decimal128(18, 4),
    "BOOLEAN": pa.bool_(),
}


def arrow_schema(columns: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> pa.Schema:
    """Arrow schema for (name, DuckDB type) pairs."""
    return pa.schema([pa.field(name, _ARROW_TYPES[duck_type]) for name, duck_type in columns])


def raw_schema(source: Source) -> pa.Schema:
    """Schema of every raw-zone Parquet file of `source` (`Source.raw_columns()`)."""
    return arrow_schema(source.raw_columns())


QUARANTINE_SCHEMA = arrow_schema(QUARANTINE_COLUMNS)


def parquet_name(landing_name: str) -> str:
    """Raw-zone / quarantine file name of a landing file: the landing name plus `.parquet`."""
    return landing_name + PARQUET_SUFFIX


def _temp_path(path: Path) -> Path:
    # Starts with a dot and does not end in .parquet, so dbt's `*.parquet` glob never sees it.
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


class AtomicParquetWriter:
    """Writes a Parquet file batch by batch into a temp file, then moves it into place."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.rows = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._temp = _temp_path(path)
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(
            self._temp, schema, compression=_COMPRESSION
        )

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0 or self._writer is None:
            return
        self._writer.write_table(table.select(self.schema.names).cast(self.schema))
        self.rows += table.num_rows

    def commit(self) -> None:
        if self._writer is None:
            return
        self._writer.close()
        self._writer = None
        os.replace(self._temp, self.path)

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._temp.unlink(missing_ok=True)


def write_if_changed(path: Path, schema: pa.Schema) -> bool:
    """Write a zero-row Parquet file with `schema` unless an identical one is there already."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _temp_path(path)
    pq.write_table(schema.empty_table(), temp, compression=_COMPRESSION)
    if path.exists() and path.read_bytes() == temp.read_bytes():
        temp.unlink()
        return False
    os.replace(temp, path)
    return True


def ensure_schema_files(source: Source, raw_dir: Path, quarantine_dir: Path) -> None:
    """Every source folder always holds `_schema.parquet`, so dbt's glob always matches."""
    write_if_changed(raw_dir / source.folder / SCHEMA_FILE_NAME, raw_schema(source))
    write_if_changed(quarantine_dir / source.folder / SCHEMA_FILE_NAME, QUARANTINE_SCHEMA)


# ---- manifest -------------------------------------------------------------------------------

Manifest = dict[str, dict[str, dict[str, Any]]]


def manifest_path(raw_dir: Path) -> Path:
    return raw_dir / MANIFEST_NAME


def read_manifest(raw_dir: Path) -> Manifest:
    """The manifest as {source: {landing file name: entry}}; empty when none was written yet."""
    path = manifest_path(raw_dir)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _manifest_text(manifest: Manifest) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@contextlib.contextmanager
def _manifest_lock(raw_dir: Path) -> Iterator[None]:
    # Ingestion assets of different sources may run in parallel processes; they share one file.
    raw_dir.mkdir(parents=True, exist_ok=True)
    with open(raw_dir / _LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def record_file(raw_dir: Path, source: str, landing_name: str, entry: dict[str, Any]) -> bool:
    """Store one landing file's entry in the manifest (atomically); False when nothing changed."""
    with _manifest_lock(raw_dir):
        manifest = read_manifest(raw_dir)
        if manifest.get(source, {}).get(landing_name) == entry:
            return False
        manifest.setdefault(source, {})[landing_name] = entry
        path = manifest_path(raw_dir)
        temp = _temp_path(path)
        temp.write_text(_manifest_text(manifest), encoding="utf-8")
        os.replace(temp, path)
        return True
