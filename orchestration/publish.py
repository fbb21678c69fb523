"""Publishes the marts for BI readers: a DuckDB file swapped in atomically, and Parquet per mart."""

# No `from __future__ import annotations`: Dagster inspects the asset's annotations at runtime.
import os
import uuid
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from dagster_dbt import build_dbt_asset_selection

from orchestration.quality.results import LATEST_FILE, results_dir
from orchestration.resources import CallfunnelSettings
from orchestration.settings import Settings
from orchestration.transform import callfunnel_dbt_assets

GROUP = "publish"
SCHEMA = "marts"
# Named after the product, not after the schema it holds (`marts.duckdb` would clash with it).
PUBLISHED_FILE = "callfunnel_bi.duckdb"
PARQUET_FOLDER = "parquet"
# DuckDB 2.0 writes a storage format that DuckDB 1.x cannot open; BI drivers lag behind.
STORAGE_VERSION = "v1.4.0"
# The header version numbers DuckDB 1.4 accepts (it refuses any other with "version number ...").
DUCKDB_1_4_READABLE = range(64, 68)
DEFAULT_MEMORY_LIMIT = "3GB"


class PublishError(RuntimeError):
    """The warehouse holds nothing publishable, or the published file would be unreadable."""


@dataclass(frozen=True)
class PublishResult:
    """What one publication wrote: the DuckDB file, one Parquet file per table, rows and bytes."""

    duckdb_path: Path
    duckdb_bytes: int
    storage_version: str
    rows: dict[str, int]
    parquet_paths: dict[str, Path]
    parquet_bytes: dict[str, int]
    removed_parquet: list[Path] = field(default_factory=list)

    @property
    def tables(self) -> list[str]:
        return sorted(self.rows)


def publish_dir_for(settings: Settings) -> Path:
    """`CALLFUNNEL_PUBLISH_DIR`, else `<data_dir>/published`."""
    value = os.environ.get("CALLFUNNEL_PUBLISH_DIR")
    return Path(value).expanduser().resolve() if value else settings.data_dir / "published"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def storage_header_version(path: Path) -> int:
    """The version number in a DuckDB file's main header (bytes 12–20, after the `DUCK` magic)."""
    with path.open("rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or header[8:12] != b"DUCK":
        raise PublishError(f"{path} is not a DuckDB database file")
    return int.from_bytes(header[12:20], "little")


def _fsync(path: Path) -> None:
    flags = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if path.is_dir() else os.O_RDONLY
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(*paths: Path) -> None:
    for path in paths:
        with suppress(FileNotFoundError):
            path.unlink()


def _source_relations(con: duckdb.DuckDBPyConnection, warehouse: Path) -> list[str]:
    """Tables and views of schema `marts` in the attached warehouse; fails if there are none."""
    has_schema = con.execute(
        "select count(*) from duckdb_schemas() where database_name = 'source' and schema_name = ?",
        [SCHEMA],
    ).fetchone()[0]
    if not has_schema:
        raise PublishError(
            f"the warehouse {warehouse} has no schema `{SCHEMA}`: build the marts "
            "(`make materialize`) before publishing"
        )
    names = con.execute(
        "select table_name from duckdb_tables() where database_name = 'source' and schema_name = ? "
        "union select view_name from duckdb_views() where database_name = 'source' "
        "and schema_name = ? order by 1",
        [SCHEMA, SCHEMA],
    ).fetchall()
    if not names:
        raise PublishError(
            f"schema `{SCHEMA}` of the warehouse {warehouse} holds no tables: refusing to publish "
            "an empty file over the last good one"
        )
    return [name for (name,) in names]


def _copy_constraints_and_docs(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Carry NOT NULL and the comments dbt persisted (`persist_docs`) onto the published copy."""
    target = f"target.{SCHEMA}.{_ident(table)}"
    described = con.execute(
        "select comment from duckdb_tables() where database_name = 'source' and schema_name = ? "
        "and table_name = ? union all select comment from duckdb_views() "
        "where database_name = 'source' and schema_name = ? and view_name = ?",
        [SCHEMA, table, SCHEMA, table],
    ).fetchone()
    if described and described[0]:
        con.execute(f"comment on table {target} is {_literal(described[0])}")
    columns = con.execute(
        "select column_name, is_nullable, comment from duckdb_columns() "
        "where database_name = 'source' and schema_name = ? and table_name = ? "
        "order by column_index",
        [SCHEMA, table],
    ).fetchall()
    for column, nullable, comment in columns:
        if not nullable:
            con.execute(f"alter table {target} alter column {_ident(column)} set not null")
        if comment:
            con.execute(f"comment on column {target}.{_ident(column)} is {_literal(comment)}")


def _write_copies(
    warehouse: Path, extras: Mapping[str, Path], temp_db: Path, parquet_temp: Callable[[str], Path]
) -> dict[str, int]:
    """Build the new DuckDB file at `temp_db` and each table's Parquet; return rows per table."""
    con = duckdb.connect()
    try:
        limit = os.environ.get("CALLFUNNEL_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)
        con.execute(f"set memory_limit = {_literal(limit)}")
        con.execute(f"set temp_directory = {_literal(temp_db.parent / '.spill')}")
        con.execute(f"attach {_literal(warehouse)} as source (read_only)")
        marts = _source_relations(con, warehouse)
        clashes = sorted(set(marts) & set(extras))
        if clashes:
            raise PublishError(f"extra tables {clashes} would replace marts of the same name")
        storage = f"storage_version {_literal(STORAGE_VERSION)}"
        con.execute(f"attach {_literal(temp_db)} as target ({storage})")
        con.execute(f"create schema target.{SCHEMA}")
        for table in marts:
            con.execute(
                f"create table target.{SCHEMA}.{_ident(table)} as "
                f"select * from source.{SCHEMA}.{_ident(table)}"
            )
            _copy_constraints_and_docs(con, table)
        for table, parquet in sorted(extras.items()):
            con.execute(
                f"create table target.{SCHEMA}.{_ident(table)} as "
                f"select * from read_parquet({_literal(parquet)})"
            )
        rows = {}
        for table in sorted([*marts, *extras]):
            relation = f"target.{SCHEMA}.{_ident(table)}"
            rows[table] = con.execute(f"select count(*) from {relation}").fetchone()[0]
            con.execute(
                f"copy (select * from {relation}) to {_literal(parquet_temp(table))} "
                "(format parquet, compression zstd)"
            )
        con.execute("checkpoint target")
        con.execute("detach target")
        return rows
    finally:
        con.close()


def publish_marts(
    warehouse: Path,
    publish_dir: Path,
    *,
    extra_parquet: Mapping[str, Path] | None = None,
) -> PublishResult:
    """Copy schema `marts` of `warehouse` into a new DuckDB file and Parquet files, then swap.

    Every file is written under a temporary name in `publish_dir` and replaced in one rename, so
    a reader opens either the previous publication or this one, never a partial one; readers that
    hold the previous file open keep reading it. `extra_parquet` (table name -> Parquet file)
    publishes tables built outside dbt beside the marts, in the same schema.
    """
    warehouse = Path(warehouse)
    publish_dir = Path(publish_dir)
    if not warehouse.exists():
        raise PublishError(f"the warehouse {warehouse} does not exist: nothing to publish")
    parquet_dir = publish_dir / PARQUET_FOLDER
    parquet_dir.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]
    final_db = publish_dir / PUBLISHED_FILE
    temp_db = publish_dir / f".{PUBLISHED_FILE}.{token}.tmp"

    def parquet_temp(table: str) -> Path:
        return parquet_dir / f".{table}.parquet.{token}.tmp"

    try:
        rows = _write_copies(warehouse, dict(extra_parquet or {}), temp_db, parquet_temp)
        header = storage_header_version(temp_db)
        if header not in DUCKDB_1_4_READABLE:
            raise PublishError(
                f"the new file carries storage header version {header}, which DuckDB 1.4 cannot "
                f"read (it reads {DUCKDB_1_4_READABLE.start}–{DUCKDB_1_4_READABLE.stop - 1})"
            )
        for path in [temp_db, *map(parquet_temp, rows)]:
            _fsync(path)
        # Swap only once everything is built: a failure above leaves the last publication whole.
        os.replace(temp_db, final_db)
        parquet_paths = {table: parquet_dir / f"{table}.parquet" for table in rows}
        for table, path in parquet_paths.items():
            os.replace(parquet_temp(table), path)
        removed = sorted(
            path for path in parquet_dir.glob("*.parquet") if path.stem not in parquet_paths
        )
        _unlink_quietly(*removed)
        _fsync(publish_dir)
        _fsync(parquet_dir)
    finally:
        # This run's leftovers after a failure: the temp file, its WAL, half-written Parquet.
        _unlink_quietly(*publish_dir.glob(f".*.{token}.tmp*"), *parquet_dir.glob(f".*.{token}.tmp"))

    return PublishResult(
        duckdb_path=final_db,
        duckdb_bytes=final_db.stat().st_size,
        storage_version=STORAGE_VERSION,
        rows=rows,
        parquet_paths=parquet_paths,
        parquet_bytes={table: path.stat().st_size for table, path in parquet_paths.items()},
        removed_parquet=removed,
    )


def mart_asset_keys() -> list[AssetKey]:
    """Every dbt model that lands in schema `marts`, by dbt's own selector on the manifest."""
    selection = build_dbt_asset_selection(
        [callfunnel_dbt_assets], dbt_select=f"config.schema:{SCHEMA},resource_type:model"
    )
    return sorted(selection.resolve([callfunnel_dbt_assets]), key=lambda key: key.path)


def _tables_markdown(result: PublishResult) -> str:
    lines = ["| table | rows | parquet bytes |", "|---|---:|---:|"]
    for table in result.tables:
        lines.append(f"| {table} | {result.rows[table]} | {result.parquet_bytes[table]} |")
    return "\n".join(lines)


@asset(
    name="published_marts",
    group_name=GROUP,
    # After the data-quality results, so the published file carries this run's check outcomes.
    deps=[*mart_asset_keys(), AssetKey(["quality", "data_quality_results"])],
    kinds={"duckdb", "parquet"},
    description=(
        f"Schema `{SCHEMA}` alone, for BI tools: `{PUBLISHED_FILE}` (DuckDB storage "
        f"{STORAGE_VERSION}, swapped in atomically) and one Parquet file per mart."
    ),
)
def published_marts(
    context: AssetExecutionContext, settings: CallfunnelSettings
) -> MaterializeResult:
    """Publish the marts after a successful build; readers never see a half-written file."""
    run_settings = settings.settings()
    target = publish_dir_for(run_settings)
    context.log.info(f"publishing schema {SCHEMA} of {run_settings.warehouse} to {target}")
    quality_results = results_dir(run_settings.data_dir) / LATEST_FILE
    extra = {"data_quality_results": quality_results} if quality_results.exists() else {}
    if not extra:
        context.log.warning(f"no data-quality results at {quality_results}; publishing marts only")
    result = publish_marts(run_settings.warehouse, target, extra_parquet=extra)
    for table in result.tables:
        context.log.info(
            f"published {SCHEMA}.{table}: {result.rows[table]} rows, "
            f"{result.parquet_bytes[table]} bytes of Parquet"
        )
    for path in result.removed_parquet:
        context.log.warning(f"removed {path}: its table is no longer in schema {SCHEMA}")
    context.log.info(
        f"{result.duckdb_path}: {len(result.tables)} tables, {result.duckdb_bytes} bytes, "
        f"storage version {result.storage_version}"
    )
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(result.duckdb_path.as_posix()),
            "bytes": MetadataValue.int(result.duckdb_bytes),
            "storage_version": MetadataValue.text(result.storage_version),
            "tables": MetadataValue.json(result.tables),
            "rows": MetadataValue.json(result.rows),
            "parquet_dir": MetadataValue.path(
                (result.duckdb_path.parent / PARQUET_FOLDER).as_posix()
            ),
            "parquet_bytes": MetadataValue.int(sum(result.parquet_bytes.values())),
            "summary": MetadataValue.md(_tables_markdown(result)),
        }
    )


publish_assets = [published_marts]
