"""Publishes the marts for BI readers: a DuckDB file swapped in atomically, and Parquet per mart.

Week-grained marts (those with a `week_start` date column) are published as Parquet partitioned by
week, `parquet/<mart>/week_start=YYYY-MM-DD/data.parquet`, and a run rewrites only the weeks whose
rows changed since the last publication: an incremental dbt run restates a few recent weeks, so
publishing costs what those weeks cost. A small fingerprint file per mart remembers each week's
content. The DuckDB file is never patched where readers hold it open: a new file is swapped in by
one rename. After an incremental build that new file starts as a byte copy of the last
publication, in which the incremental marts get only the restated weeks replaced and the other
marts are copied whole; after a full build it is written from scratch.
"""

# No `from __future__ import annotations`: Dagster inspects the asset's annotations at runtime.
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from dagster_dbt import build_dbt_asset_selection

from orchestration.quality.results import LATEST_FILE, results_dir
from orchestration.resources import CallfunnelSettings
from orchestration.settings import Settings, duckdb_memory_limit
from orchestration.transform import DBT_PROJECT, callfunnel_dbt_assets, restated_from

GROUP = "publish"
SCHEMA = "marts"
# Named after the product, not after the schema it holds (`marts.duckdb` would clash with it).
PUBLISHED_FILE = "callfunnel_bi.duckdb"
PARQUET_FOLDER = "parquet"
# DuckDB 2.0 writes a storage format that DuckDB 1.x cannot open; BI drivers lag behind.
STORAGE_VERSION = "v1.4.0"
# The header version numbers DuckDB 1.4 accepts (it refuses any other with "version number ...").
DUCKDB_1_4_READABLE = range(64, 68)
# Marts with a date column of this name are partitioned by it in the Parquet output.
PARTITION_COLUMN = "week_start"
PARTITION_FILE = "data.parquet"
FINGERPRINTS_FILE = "_fingerprints.json"
# Hive's name for the partition of null keys.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# Folder key of the partitioned COPY that writes many weeks at once (never a mart column).
_PART_KEY = "__callfunnel_week"


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
    # Partitioned marts: the weeks this run wrote and the weeks it removed (ISO dates).
    partitions_written: dict[str, list[str]] = field(default_factory=dict)
    partitions_removed: dict[str, list[str]] = field(default_factory=dict)

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


@dataclass
class _PartitionPlan:
    """One partitioned mart: the fingerprints it now has and the weeks to write or remove."""

    folder: Path
    fingerprints: dict[str, str]
    write: list[str]
    remove: list[str]


def _partition_dir(folder: Path, week: str) -> Path:
    return folder / f"{PARTITION_COLUMN}={week}"


def _is_partitioned(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    types = dict(
        con.execute(f"select column_name, column_type from (describe {relation})").fetchall()
    )
    return types.get(PARTITION_COLUMN) == "DATE"


def _restated_rows(since: date) -> str:
    """The rows an incremental build rewrote: its weeks from `since` on (and undated rows)."""
    monday = _literal(since.isoformat())
    return f"({PARTITION_COLUMN} >= date {monday} or {PARTITION_COLUMN} is null)"


def _schema_digest(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    columns = con.execute(f"select column_name, column_type from (describe {relation})").fetchall()
    return hashlib.sha256(json.dumps(columns).encode()).hexdigest()[:16]


def _week_fingerprints(
    con: duckdb.DuckDBPyConnection, relation: str, since: date | None = None
) -> dict[str, str]:
    """Per week: a digest of the columns and an order-free sum of the rows' hashes, and a count.

    With `since`, only the weeks from it on (the ones an incremental build can have changed).
    """
    schema = _schema_digest(con, relation)
    where = f"where {_restated_rows(since)}" if since else ""
    weeks = con.execute(
        f"select coalesce(strftime({PARTITION_COLUMN}, '%Y-%m-%d'), {_literal(NULL_PARTITION)}), "
        f"count(*), cast(sum(cast(hash(t) as hugeint)) as varchar) "
        f"from {relation} as t {where} group by 1"
    ).fetchall()
    return {week: f"{schema}:{rows}:{digest}" for week, rows, digest in weeks}


def _plan_partitions(
    con: duckdb.DuckDBPyConnection, relation: str, folder: Path, since: date | None = None
) -> _PartitionPlan:
    """Compare this run's week fingerprints with the last publication's files and fingerprints.

    With `since`, weeks before it kept their rows in the build, so they keep their files and
    fingerprints (the same columns are checked: a changed schema makes every week new).
    """
    try:
        previous = json.loads((folder / FINGERPRINTS_FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        previous = {}
    on_disk = {
        path.name.split("=", 1)[1]
        for path in folder.glob(f"{PARTITION_COLUMN}=*")
        if (path / PARTITION_FILE).exists()
    }
    fingerprints = _week_fingerprints(con, relation, since)
    if since is not None:
        schema = _schema_digest(con, relation)
        kept = {
            week: fingerprint
            for week, fingerprint in previous.items()
            if week != NULL_PARTITION
            and week < since.isoformat()
            and week in on_disk
            and fingerprint.split(":", 1)[0] == schema
        }
        if len(kept) < len([week for week in on_disk if week < since.isoformat()]):
            # Some older week has no trustworthy fingerprint: look at every week.
            fingerprints = _week_fingerprints(con, relation)
        else:
            fingerprints = {**kept, **fingerprints}
    write = sorted(
        week
        for week, fingerprint in fingerprints.items()
        if week not in on_disk or previous.get(week) != fingerprint
    )
    remove = sorted(on_disk - set(fingerprints))
    return _PartitionPlan(folder=folder, fingerprints=fingerprints, write=write, remove=remove)


def _copy_partition(con: duckdb.DuckDBPyConnection, relation: str, week: str, target: Path) -> None:
    condition = (
        f"{PARTITION_COLUMN} is null"
        if week == NULL_PARTITION
        else f"{PARTITION_COLUMN} = cast({_literal(week)} as date)"
    )
    con.execute(
        f"copy (select * from {relation} where {condition}) to {_literal(target)} "
        "(format parquet, compression zstd)"
    )


def _copy_partitions(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    weeks: list[str],
    table: str,
    parquet_temp: Callable[[str], Path],
) -> None:
    """Write each of `weeks` to `parquet_temp("<table>/<week>")`.

    Many weeks (a full build, a changed schema) are written by one partitioned COPY, one scan of
    the table instead of one per week; a week that comes out in more than one file, the rows
    without a week, and a single week are written by a COPY of their own.
    """
    dated = [week for week in weeks if week != NULL_PARTITION]
    single = [week for week in weeks if week == NULL_PARTITION]
    if len(dated) > 1:
        parts = parquet_temp(f"{table}/_weeks")
        shutil.rmtree(parts, ignore_errors=True)
        listed = ", ".join(f"date {_literal(week)}" for week in dated)
        try:
            con.execute(
                f"copy (select *, strftime({PARTITION_COLUMN}, '%Y-%m-%d') as {_PART_KEY} "
                f"from {relation} where {PARTITION_COLUMN} in ({listed})) to {_literal(parts)} "
                f"(format parquet, compression zstd, partition_by ({_PART_KEY}))"
            )
            for week in dated:
                files = sorted((parts / f"{_PART_KEY}={week}").glob("*.parquet"))
                if len(files) == 1:
                    os.replace(files[0], parquet_temp(f"{table}/{week}"))
                else:
                    single.append(week)
        finally:
            shutil.rmtree(parts, ignore_errors=True)
    else:
        single.extend(dated)
    for week in single:
        _copy_partition(con, relation, week, parquet_temp(f"{table}/{week}"))


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[tuple]:
    return con.execute(
        "select column_name, data_type, is_nullable from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [database, SCHEMA, table],
    ).fetchall()


def _copy_whole(con: duckdb.DuckDBPyConnection, table: str, select: str) -> None:
    con.execute(f"drop table if exists target.{SCHEMA}.{_ident(table)}")
    con.execute(f"create table target.{SCHEMA}.{_ident(table)} as {select}")


def _write_copies(
    warehouse: Path,
    extras: Mapping[str, Path],
    temp_db: Path,
    parquet_temp: Callable[[str], Path],
    plans: dict[str, _PartitionPlan],
    previous_db: Path | None = None,
    restated: Mapping[str, date] | None = None,
) -> dict[str, int]:
    """Build the new DuckDB file at `temp_db` and each table's Parquet; return rows per table.

    A week-grained table's changed weeks go to `parquet_temp("<table>/<week>")`; `plans` receives
    what each partitioned table will write and remove. With `restated` (mart -> first Monday an
    incremental build rewrote) and a previous publication, the new file starts as a copy of it
    and those marts get only their restated weeks replaced.
    """
    restated = dict(restated or {})
    patch = bool(restated) and previous_db is not None and previous_db.exists()
    if patch:
        shutil.copyfile(previous_db, temp_db)
    con = duckdb.connect()
    try:
        con.execute(f"set memory_limit = {_literal(duckdb_memory_limit())}")
        con.execute(f"set temp_directory = {_literal(temp_db.parent / '.spill')}")
        con.execute(f"attach {_literal(warehouse)} as source (read_only)")
        marts = _source_relations(con, warehouse)
        clashes = sorted(set(marts) & set(extras))
        if clashes:
            raise PublishError(f"extra tables {clashes} would replace marts of the same name")
        if patch:
            con.execute(f"attach {_literal(temp_db)} as target")
            con.execute(f"create schema if not exists target.{SCHEMA}")
        else:
            storage = f"storage_version {_literal(STORAGE_VERSION)}"
            con.execute(f"attach {_literal(temp_db)} as target ({storage})")
            con.execute(f"create schema target.{SCHEMA}")
        existing = {
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() "
                "where database_name = 'target' and schema_name = ?",
                [SCHEMA],
            ).fetchall()
        }
        patched: dict[str, date] = {}
        for table in marts:
            source = f"source.{SCHEMA}.{_ident(table)}"
            since = restated.get(table) if patch else None
            same_shape = table in existing and _columns(con, "source", table) == _columns(
                con, "target", table
            )
            if since is not None and same_shape:
                target = f"target.{SCHEMA}.{_ident(table)}"
                con.execute(f"delete from {target} where {_restated_rows(since)}")
                con.execute(
                    f"insert into {target} select * from {source} where {_restated_rows(since)}"
                )
                patched[table] = since
                continue
            _copy_whole(con, table, f"select * from {source}")
            _copy_constraints_and_docs(con, table)
        for table in sorted(existing - set(marts) - set(extras)):
            con.execute(f"drop table target.{SCHEMA}.{_ident(table)}")
        for table, parquet in sorted(extras.items()):
            _copy_whole(con, table, f"select * from read_parquet({_literal(parquet)})")
        rows = {}
        for table in sorted([*marts, *extras]):
            relation = f"target.{SCHEMA}.{_ident(table)}"
            rows[table] = con.execute(f"select count(*) from {relation}").fetchone()[0]
            if _is_partitioned(con, relation):
                folder = parquet_temp(table).parent / table
                plan = _plan_partitions(con, relation, folder, patched.get(table))
                folder.mkdir(exist_ok=True)
                _copy_partitions(con, relation, plan.write, table, parquet_temp)
                plans[table] = plan
                continue
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
    restated: Mapping[str, date] | None = None,
) -> PublishResult:
    """Copy schema `marts` of `warehouse` into a new DuckDB file and Parquet files, then swap.

    Every file is written under a temporary name in `publish_dir` and replaced in one rename, so
    a reader opens either the previous publication or this one, never a partial one; readers that
    hold the previous file open keep reading it. `extra_parquet` (table name -> Parquet file)
    publishes tables built outside dbt beside the marts, in the same schema. `restated` (mart
    -> first Monday its incremental build rewrote) lets the new file start from the last
    publication and replace only those weeks; without it every table is copied whole.
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

    def parquet_temp(name: str) -> Path:
        # `<table>` for a whole table's file, `<table>/<week>` for one week of a partitioned one.
        table, _, week = name.partition("/")
        if week:
            return parquet_dir / table / f".{PARTITION_COLUMN}={week}.{token}.tmp"
        return parquet_dir / f".{table}.parquet.{token}.tmp"

    plans: dict[str, _PartitionPlan] = {}
    try:
        rows = _write_copies(
            warehouse,
            dict(extra_parquet or {}),
            temp_db,
            parquet_temp,
            plans,
            previous_db=final_db,
            restated=restated,
        )
        header = storage_header_version(temp_db)
        if header not in DUCKDB_1_4_READABLE:
            raise PublishError(
                f"the new file carries storage header version {header}, which DuckDB 1.4 cannot "
                f"read (it reads {DUCKDB_1_4_READABLE.start}–{DUCKDB_1_4_READABLE.stop - 1})"
            )
        whole = [table for table in rows if table not in plans]
        written = [
            parquet_temp(f"{table}/{week}") for table, plan in plans.items() for week in plan.write
        ]
        for path in [temp_db, *map(parquet_temp, whole), *written]:
            _fsync(path)
        # Swap only once everything is built: a failure above leaves the last publication whole.
        os.replace(temp_db, final_db)
        parquet_paths = {table: parquet_dir / f"{table}.parquet" for table in whole}
        for table in whole:
            os.replace(parquet_temp(table), parquet_paths[table])
        for table, plan in sorted(plans.items()):
            _swap_partitions(table, plan, parquet_temp)
            parquet_paths[table] = plan.folder
        removed = sorted(path for path in parquet_dir.glob("*.parquet") if path.stem not in whole)
        removed += sorted(
            path
            for path in parquet_dir.iterdir()
            if path.is_dir() and not path.name.startswith(".") and path.name not in plans
        )
        for path in removed:
            if path.is_dir():
                shutil.rmtree(path)
        _unlink_quietly(*(path for path in removed if not path.is_dir()))
        _fsync(publish_dir)
        _fsync(parquet_dir)
    finally:
        # This run's leftovers after a failure: the temp file, its WAL, half-written Parquet.
        _unlink_quietly(
            *publish_dir.glob(f".*.{token}.tmp*"),
            *parquet_dir.glob(f".*.{token}.tmp"),
            *parquet_dir.glob(f"*/.*.{token}.tmp"),
        )

    return PublishResult(
        duckdb_path=final_db,
        duckdb_bytes=final_db.stat().st_size,
        storage_version=STORAGE_VERSION,
        rows=rows,
        parquet_paths=parquet_paths,
        parquet_bytes={table: _bytes(path) for table, path in parquet_paths.items()},
        removed_parquet=removed,
        partitions_written={table: plan.write for table, plan in plans.items()},
        partitions_removed={table: plan.remove for table, plan in plans.items()},
    )


def _bytes(path: Path) -> int:
    """A file's size, or the total size of the Parquet files under a partitioned mart's folder."""
    if path.is_dir():
        return sum(part.stat().st_size for part in path.rglob(f"*/{PARTITION_FILE}"))
    return path.stat().st_size


def _swap_partitions(table: str, plan: _PartitionPlan, parquet_temp: Callable[[str], Path]) -> None:
    """Move the written weeks into place one rename each, drop vanished weeks, then fingerprints.

    The fingerprints are written last: after a crash between, a week whose file was replaced
    but whose fingerprint was not is simply written again next time.
    """
    for week in plan.write:
        target = _partition_dir(plan.folder, week)
        target.mkdir(exist_ok=True)
        os.replace(parquet_temp(f"{table}/{week}"), target / PARTITION_FILE)
        _fsync(target)
    for week in plan.remove:
        shutil.rmtree(_partition_dir(plan.folder, week), ignore_errors=True)
    fingerprints = plan.folder / f".{FINGERPRINTS_FILE}.tmp"
    fingerprints.write_text(json.dumps(plan.fingerprints, indent=1, sort_keys=True))
    _fsync(fingerprints)
    os.replace(fingerprints, plan.folder / FINGERPRINTS_FILE)
    _fsync(plan.folder)


def mart_asset_keys() -> list[AssetKey]:
    """Every dbt model that lands in schema `marts`, by dbt's own selector on the manifest."""
    selection = build_dbt_asset_selection(
        [callfunnel_dbt_assets], dbt_select=f"config.schema:{SCHEMA},resource_type:model"
    )
    return sorted(selection.resolve([callfunnel_dbt_assets]), key=lambda key: key.path)


def incremental_marts() -> list[str]:
    """Marts dbt builds incrementally by week (meta `restated_by: week_start`): the manifest's."""
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    return sorted(
        node["alias"] or node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"].get("schema") == SCHEMA
        and node["config"].get("materialized") == "incremental"
        and (node["config"].get("meta") or {}).get("restated_by") == PARTITION_COLUMN
    )


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
        f"{STORAGE_VERSION}, swapped in atomically) and Parquet per mart, week-grained marts "
        "partitioned by week (only changed weeks rewritten)."
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
    since = restated_from(context.instance, context.run.run_id)
    restated = dict.fromkeys(incremental_marts(), since) if since else {}
    context.log.info(
        f"incremental build from {since}: replacing those weeks of {sorted(restated)}"
        if restated
        else "full build: copying every mart whole"
    )
    result = publish_marts(run_settings.warehouse, target, extra_parquet=extra, restated=restated)
    for table in result.tables:
        context.log.info(
            f"published {SCHEMA}.{table}: {result.rows[table]} rows, "
            f"{result.parquet_bytes[table]} bytes of Parquet"
        )
    for table, weeks in sorted(result.partitions_written.items()):
        removed = result.partitions_removed.get(table, [])
        context.log.info(
            f"{table}: rewrote {len(weeks)} week partition(s) {weeks}, removed {len(removed)}"
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
            "partitions_written": MetadataValue.json(result.partitions_written),
            "summary": MetadataValue.md(_tables_markdown(result)),
        }
    )


publish_assets = [published_marts]
