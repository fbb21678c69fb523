"""Publishing the marts: schema marts alone, readable by DuckDB 1.4, never seen half-built."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, materialize

from orchestration import publish
from orchestration.publish import (
    DUCKDB_1_4_READABLE,
    FINGERPRINTS_FILE,
    PUBLISHED_FILE,
    STORAGE_VERSION,
    PublishError,
    mart_asset_keys,
    publish_marts,
    published_marts,
    storage_header_version,
)
from orchestration.resources import CallfunnelSettings
from orchestration.settings import PROJECT_ROOT
from orchestration.transform import callfunnel_dbt_assets

READER = Path(__file__).parent / "support" / "read_published.py"
DUCKDB14_PYTHON = Path(
    os.environ.get("CALLFUNNEL_DUCKDB14_PYTHON", PROJECT_ROOT / ".venv-duckdb14" / "bin" / "python")
)


def calls_rows(generation: int) -> int:
    return 4 + 3 * generation


def weekly_rows(generation: int) -> int:
    return 2 + generation


def build_warehouse(path: Path, generation: int) -> None:
    """A warehouse the way dbt leaves one: staging views, intermediate and marts tables.

    Each table of a generation carries its number and a row count of its own, so a reader can
    tell which generation it sees and whether every table is from the same one.
    """
    path.unlink(missing_ok=True)
    with duckdb.connect(path.as_posix()) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("create schema staging; create schema intermediate; create schema marts")
        con.execute(
            "create table staging.stg_calls as select range as call_id, '+7900' || range as phone "
            "from range(50)"
        )
        con.execute("create view staging.stg_calls_view as select * from staging.stg_calls")
        con.execute("create table intermediate.int_calls as select * from staging.stg_calls")
        con.execute("create table main.raw_numbers as select 1 as n")
        con.execute(
            """
            create table marts.fct_calls (
                generation integer not null,
                call_id varchar not null,
                started_at timestamp with time zone,
                week_start date,
                talk_seconds integer,
                revenue_rub decimal(18, 2),
                is_answered boolean,
                quality_share double,
                channels varchar[],
                caller_key uuid,
                big hugeint
            )
            """
        )
        con.execute(
            """
            insert into marts.fct_calls
            select ?, 'c' || range,
                   timestamptz '2026-11-02 10:00:00+00' + to_minutes(range::bigint),
                   date '2026-11-02', range * 7, range * 1.25, range % 2 = 0, range / 3,
                   ['seo', 'ppc'], uuid(), range::hugeint * 1000000000000
            from range(?)
            """,
            [generation, calls_rows(generation)],
        )
        con.execute(
            "create table marts.channel_weekly as select ?::integer as generation, "
            "'ch' || range as channel, range::bigint as calls from range(?)",
            [generation, weekly_rows(generation)],
        )
        con.execute(
            "create view marts.weekly_summary as select generation, count(*) as calls "
            "from marts.fct_calls group by generation"
        )
        con.execute("comment on table marts.fct_calls is 'One row per call, it''s the grain.'")
        con.execute("comment on column marts.fct_calls.talk_seconds is 'Seconds of talk.'")


def expected_rows(generation: int) -> dict[str, int]:
    return {
        "channel_weekly": weekly_rows(generation),
        "fct_calls": calls_rows(generation),
        "weekly_summary": 1,
    }


def read_with(python: Path | str, path: Path) -> dict:
    proc = subprocess.run(
        [str(python), str(READER), str(path)], capture_output=True, text=True, timeout=60
    )
    assert proc.stdout, proc.stderr
    return json.loads(proc.stdout.splitlines()[0])


def columns(path: Path, schema: str = "marts") -> list[tuple]:
    with duckdb.connect(path.as_posix(), read_only=True) as con:
        return con.execute(
            "select table_name, column_name, data_type, is_nullable, comment from duckdb_columns() "
            "where schema_name = ? order by table_name, column_index",
            [schema],
        ).fetchall()


def generation_seen(snapshot: dict) -> int:
    """The one generation every table shows; fails on a mix or an incomplete table."""
    tables = snapshot["tables"]
    assert set(tables) == {"channel_weekly", "fct_calls", "weekly_summary"}, tables
    generations = {g for table in tables.values() for g in table["generations"]}
    assert len(generations) == 1, f"tables from different publications: {tables}"
    (generation,) = generations
    assert {name: table["rows"] for name, table in tables.items()} == expected_rows(generation)
    return generation


def wait_until_seen(generation: int, seen: list[int], failures: list[BaseException]) -> None:
    """Let the polling reader catch up with a publication before the next one starts."""
    deadline = time.monotonic() + 20
    while generation not in seen and not failures and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(path, generation=1)
    return path


def test_publishes_only_the_marts_with_their_types(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "published"
    result = publish_marts(warehouse, out)

    assert result.duckdb_path == out / PUBLISHED_FILE
    assert result.tables == ["channel_weekly", "fct_calls", "weekly_summary"]
    assert result.rows == expected_rows(1)
    assert result.duckdb_bytes == result.duckdb_path.stat().st_size > 0
    with duckdb.connect(result.duckdb_path.as_posix(), read_only=True) as con:
        schemas = con.execute(
            "select distinct schema_name from duckdb_tables() union "
            "select distinct schema_name from duckdb_views() where not internal"
        ).fetchall()
        assert schemas == [("marts",)]
        assert con.execute("select count(*) from marts.fct_calls").fetchone()[0] == calls_rows(1)
        described = con.execute(
            "select comment from duckdb_tables() where table_name = 'fct_calls'"
        ).fetchone()
        assert described == ("One row per call, it's the grain.",)
    # Same columns, types, NOT NULL and column comments; the view arrives as a plain table.
    assert columns(result.duckdb_path) == columns(warehouse)

    parquet = out / "parquet"
    # fct_calls has a week_start date: it is partitioned by week; the others are one file each.
    assert sorted(p.name for p in parquet.iterdir()) == [
        "channel_weekly.parquet",
        "fct_calls",
        "weekly_summary.parquet",
    ]
    assert sorted(p.name for p in (parquet / "fct_calls").iterdir()) == [
        FINGERPRINTS_FILE,
        "week_start=2026-11-02",
    ]
    with duckdb.connect() as con:
        for table, rows in expected_rows(1).items():
            path = result.parquet_paths[table]
            pattern = f"{path}/*/*.parquet" if path.is_dir() else path
            assert con.execute(f"select count(*) from '{pattern}'").fetchone()[0] == rows
            files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
            assert result.parquet_bytes[table] == sum(f.stat().st_size for f in files)
        types = con.execute(
            f"select column_name, column_type from (describe select * from "
            f"'{result.parquet_paths['fct_calls']}/*/*.parquet') where column_name in "
            "('revenue_rub', 'started_at', 'week_start')"
        ).fetchall()
        assert sorted(types) == [
            ("revenue_rub", "DECIMAL(18,2)"),
            ("started_at", "TIMESTAMP WITH TIME ZONE"),
            ("week_start", "DATE"),
        ]
    # Nothing but the two outputs is left in the folder: no temp file, no WAL.
    assert sorted(p.name for p in out.iterdir()) == [PUBLISHED_FILE, "parquet"]


def test_published_file_carries_storage_version_1_4(warehouse: Path, tmp_path: Path) -> None:
    result = publish_marts(warehouse, tmp_path / "published")

    assert result.storage_version == STORAGE_VERSION == "v1.4.0"
    # DuckDB 1.4 opens files whose header version is 64–67; DuckDB 2.0's own format is not.
    assert storage_header_version(result.duckdb_path) in DUCKDB_1_4_READABLE
    with duckdb.connect(result.duckdb_path.as_posix(), read_only=True) as con:
        tags = con.execute(
            "select tags from duckdb_databases() where database_name = ?",
            [Path(PUBLISHED_FILE).stem],
        ).fetchone()[0]
    assert tags == {"storage_version": "v1.4.0+"}

    default = tmp_path / "default.duckdb"
    duckdb.connect(default.as_posix()).close()
    assert storage_header_version(default) not in DUCKDB_1_4_READABLE


def test_refuses_a_warehouse_without_marts_and_keeps_the_last_good_file(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "published"
    first = publish_marts(warehouse, out)
    before = first.duckdb_path.read_bytes()

    empty = tmp_path / "empty.duckdb"
    with duckdb.connect(empty.as_posix()) as con:
        con.execute("create schema marts; create schema staging")
        con.execute("create table staging.stg_calls as select 1 as call_id")
    with pytest.raises(PublishError, match="holds no tables"):
        publish_marts(empty, out)
    with duckdb.connect(empty.as_posix()) as con:
        con.execute("drop schema marts")
    with pytest.raises(PublishError, match="has no schema `marts`"):
        publish_marts(empty, out)
    with pytest.raises(PublishError, match="does not exist"):
        publish_marts(tmp_path / "missing.duckdb", out)

    assert first.duckdb_path.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [PUBLISHED_FILE, "parquet"]
    assert len(list((out / "parquet").iterdir())) == 3
    assert not list((out / "parquet").rglob("*.tmp"))


def test_a_file_duckdb_1_4_could_not_open_is_never_swapped_in(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "published"
    first = publish_marts(warehouse, out)
    before = first.duckdb_path.read_bytes()
    monkeypatch.setattr(publish, "STORAGE_VERSION", "v2.0.0")

    with pytest.raises(PublishError, match="DuckDB 1.4 cannot read"):
        publish_marts(warehouse, out)

    assert first.duckdb_path.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [PUBLISHED_FILE, "parquet"]
    assert sorted(p.name for p in (out / "parquet").iterdir()) == [
        "channel_weekly.parquet",
        "fct_calls",
        "weekly_summary.parquet",
    ]
    assert not list((out / "parquet").rglob("*.tmp"))


def test_dropped_mart_disappears_and_extra_tables_join(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "published"
    publish_marts(warehouse, out)
    with duckdb.connect(warehouse.as_posix()) as con:
        con.execute("drop table marts.channel_weekly")
    results = tmp_path / "data_quality_results.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"copy (select 'grain' as check_name, true as passed) to '{results}' (format parquet)"
        )

    result = publish_marts(warehouse, out, extra_parquet={"data_quality_results": results})

    assert result.tables == ["data_quality_results", "fct_calls", "weekly_summary"]
    assert result.removed_parquet == [out / "parquet" / "channel_weekly.parquet"]
    assert sorted(p.name.removesuffix(".parquet") for p in (out / "parquet").iterdir()) == (
        result.tables
    )
    with duckdb.connect(result.duckdb_path.as_posix(), read_only=True) as con:
        assert con.execute("select * from marts.data_quality_results").fetchall() == [
            ("grain", True)
        ]
    with pytest.raises(PublishError, match="would replace marts"):
        publish_marts(warehouse, out, extra_parquet={"fct_calls": results})


def test_readers_see_one_whole_publication_while_it_is_replaced(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "published"
    published = publish_marts(warehouse, out).duckdb_path

    # A BI process holding a read-only connection across the re-publish.
    holder = subprocess.Popen(
        [sys.executable, str(READER), str(published), "--hold"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Readers in this process that connect, read every table and disconnect, over and over.
    seen: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def poll() -> None:
        from tests.support.read_published import snapshot

        while not stop.is_set():
            try:
                with duckdb.connect(published.as_posix(), read_only=True) as con:
                    seen.append(generation_seen(snapshot(con)))
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                failures.append(exc)
                return

    try:
        assert generation_seen(json.loads(holder.stdout.readline())) == 1
        poller = threading.Thread(target=poll)
        poller.start()
        try:
            for generation in (2, 3, 4):
                build_warehouse(warehouse, generation)
                publish_marts(warehouse, out)
                wait_until_seen(generation, seen, failures)
        finally:
            stop.set()
            poller.join(timeout=30)
        holder_out, holder_err = holder.communicate("go\n", timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert holder.returncode == 0, holder_err
    assert not failures, failures
    # The held connection keeps its snapshot, whole: the first publication, unchanged.
    assert generation_seen(json.loads(holder_out.splitlines()[0])) == 1
    # Every poll saw one whole generation, the polls saw each one, and never went back in time.
    assert set(seen) == {1, 2, 3, 4} and seen == sorted(seen)
    # A reader that connects now sees the last publication.
    assert generation_seen(read_with(sys.executable, published)) == 4


def duckdb14() -> Path:
    if not DUCKDB14_PYTHON.exists():
        pytest.fail(
            f"no DuckDB 1.4 interpreter at {DUCKDB14_PYTHON} (CALLFUNNEL_DUCKDB14_PYTHON): "
            "run `make test`, which creates .venv-duckdb14"
        )
    return DUCKDB14_PYTHON


def test_duckdb_1_4_reads_every_published_mart(warehouse: Path, tmp_path: Path) -> None:
    python = duckdb14()
    published = publish_marts(warehouse, tmp_path / "published").duckdb_path

    old = read_with(python, published)
    new = read_with(sys.executable, published)

    assert old["duckdb_version"].startswith("1.4."), old
    assert new["duckdb_version"].startswith("2."), new
    assert "error" not in old, old
    # Same tables, rows, column types and content, cell by cell, through either version.
    assert old["tables"] == new["tables"]
    assert generation_seen(old) == 1

    # The control: DuckDB 2.0's own storage format is one DuckDB 1.4 cannot open.
    default = tmp_path / "default.duckdb"
    with duckdb.connect(default.as_posix()) as con:
        con.execute("create schema marts; create table marts.t as select 1 as x")
    refused = read_with(python, default)
    assert "version number" in refused.get("error", ""), refused


def test_asset_depends_on_every_mart_and_records_metadata(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = next(iter(published_marts.specs))
    assert spec.key == AssetKey("published_marts")
    assert spec.group_name == "publish"
    deps = {dep.asset_key for dep in spec.deps}
    marts = {s.key for s in callfunnel_dbt_assets.specs if s.group_name == "marts"}
    # Every mart, and the data-quality results (published beside them), come first.
    assert deps == set(mart_asset_keys()) | {AssetKey(["quality", "data_quality_results"])}
    assert set(mart_asset_keys()) == marts
    assert marts and all(key.path[0] == "marts" for key in marts)

    out = tmp_path / "bi"
    monkeypatch.setenv("CALLFUNNEL_PUBLISH_DIR", out.as_posix())
    monkeypatch.setenv("CALLFUNNEL_DATA_DIR", (tmp_path / "data").as_posix())
    resource = CallfunnelSettings(
        landing_dir=(tmp_path / "landing").as_posix(),
        raw_dir=(tmp_path / "raw").as_posix(),
        quarantine_dir=(tmp_path / "quarantine").as_posix(),
        warehouse=warehouse.as_posix(),
    )
    result = materialize([published_marts], resources={"settings": resource})

    assert result.success
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["path"].value == (out / PUBLISHED_FILE).as_posix()
    assert metadata["bytes"].value == (out / PUBLISHED_FILE).stat().st_size
    assert metadata["storage_version"].value == STORAGE_VERSION
    assert metadata["rows"].value == expected_rows(1)
    assert metadata["tables"].value == sorted(expected_rows(1))


@pytest.mark.pipeline
def test_publishes_every_mart_of_the_materialised_pipeline(pipeline, tmp_path: Path) -> None:
    marts = pipeline.query("select table_name from duckdb_tables() where schema_name = 'marts'")
    assert marts, f"the pipeline built no marts:\n{pipeline.output[-3000:]}"
    rows = {name: pipeline.query(f'select count(*) from marts."{name}"')[0][0] for (name,) in marts}

    result = publish_marts(pipeline.warehouse, tmp_path / "published")

    assert result.rows == rows
    assert columns(result.duckdb_path) == columns(pipeline.warehouse)
    assert sorted(result.parquet_paths) == sorted(rows)
    old = read_with(duckdb14(), result.duckdb_path)
    assert {name: table["rows"] for name, table in old["tables"].items()} == rows
    assert old["tables"] == read_with(sys.executable, result.duckdb_path)["tables"]


def partition_files(out: Path) -> dict[str, tuple[int, int]]:
    """Each week's Parquet file of fct_calls: (inode, mtime in ns), which a rewrite changes."""
    files = sorted((out / "parquet" / "fct_calls").glob("week_start=*/*.parquet"))
    return {f.parent.name: (f.stat().st_ino, f.stat().st_mtime_ns) for f in files}


def test_only_changed_week_partitions_are_rewritten(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "published"
    with duckdb.connect(warehouse.as_posix()) as con:
        con.execute(
            "insert into marts.fct_calls (generation, call_id, week_start) "
            "select 1, 'old' || range, date '2026-10-26' from range(3) union all "
            "select 1, 'gone' || range, date '2026-10-19' from range(2)"
        )
    first = publish_marts(warehouse, out)
    assert first.partitions_written == {"fct_calls": ["2026-10-19", "2026-10-26", "2026-11-02"]}
    before = partition_files(out)

    # The same marts again: no week is rewritten, no file touched.
    again = publish_marts(warehouse, out)
    assert again.partitions_written == {"fct_calls": []}
    assert partition_files(out) == before

    # One week changes, one appears, one vanishes: those alone change on disk.
    with duckdb.connect(warehouse.as_posix()) as con:
        con.execute("update marts.fct_calls set talk_seconds = 99 where call_id = 'old1'")
        con.execute("delete from marts.fct_calls where week_start = date '2026-10-19'")
        con.execute(
            "insert into marts.fct_calls (generation, call_id, week_start) "
            "values (1, 'new', date '2026-11-09')"
        )
    result = publish_marts(warehouse, out)

    assert result.partitions_written == {"fct_calls": ["2026-10-26", "2026-11-09"]}
    assert result.partitions_removed == {"fct_calls": ["2026-10-19"]}
    after = partition_files(out)
    assert sorted(after) == [
        "week_start=2026-10-26",
        "week_start=2026-11-02",
        "week_start=2026-11-09",
    ]
    assert after["week_start=2026-11-02"] == before["week_start=2026-11-02"]
    assert after["week_start=2026-10-26"] != before["week_start=2026-10-26"]
    with duckdb.connect() as con:
        published = con.execute(
            f"select call_id, talk_seconds from '{out}/parquet/fct_calls/*/*.parquet' "
            "where week_start <> date '2026-11-02' order by call_id"
        ).fetchall()
    assert published == [("new", None), ("old0", None), ("old1", 99), ("old2", None)]
    # The DuckDB file is still one whole copy.
    with duckdb.connect(result.duckdb_path.as_posix(), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_calls").fetchone()[0] == (
            calls_rows(1) + 4
        )


def test_a_lost_partition_file_or_a_schema_change_is_written_again(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "published"
    publish_marts(warehouse, out)
    (out / "parquet" / "fct_calls" / "week_start=2026-11-02" / "data.parquet").unlink()
    assert publish_marts(warehouse, out).partitions_written == {"fct_calls": ["2026-11-02"]}

    with duckdb.connect(warehouse.as_posix()) as con:
        con.execute("alter table marts.fct_calls add column note varchar")
    assert publish_marts(warehouse, out).partitions_written == {"fct_calls": ["2026-11-02"]}


def test_a_single_file_from_the_old_layout_is_replaced_by_partitions(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "published"
    (out / "parquet").mkdir(parents=True)
    old = out / "parquet" / "fct_calls.parquet"
    with duckdb.connect() as con:
        con.execute(f"copy (select 1 as x) to '{old}' (format parquet)")

    result = publish_marts(warehouse, out)

    assert result.removed_parquet == [old]
    assert not old.exists()
    assert result.parquet_paths["fct_calls"] == out / "parquet" / "fct_calls"


def test_an_incremental_build_replaces_only_its_restated_weeks(
    warehouse: Path, tmp_path: Path
) -> None:
    """After an incremental build the new file is the last one with the restated weeks replaced."""
    out = tmp_path / "published"
    with duckdb.connect(warehouse.as_posix()) as con:
        con.execute(
            "insert into marts.fct_calls (generation, call_id, week_start) "
            "select 1, 'old' || range, date '2026-10-26' from range(3)"
        )
    publish_marts(warehouse, out)
    before = partition_files(out)

    # The build restated weeks from 2026-11-02 on; a change to an older week cannot come from
    # it, so it stays unpublished until a full build (that is what tells the two paths apart).
    with duckdb.connect(warehouse.as_posix()) as con:
        con.execute("update marts.fct_calls set talk_seconds = 7 where call_id = 'old0'")
        con.execute("update marts.fct_calls set talk_seconds = -1 where call_id = 'c0'")
        con.execute(
            "insert into marts.fct_calls (generation, call_id, week_start) "
            "values (1, 'new', date '2026-11-09')"
        )
        con.execute("insert into marts.channel_weekly values (1, 'late', 5)")
    since = date(2026, 11, 2)
    result = publish_marts(warehouse, out, restated={"fct_calls": since})

    assert storage_header_version(result.duckdb_path) in DUCKDB_1_4_READABLE
    assert result.partitions_written == {"fct_calls": ["2026-11-02", "2026-11-09"]}
    assert partition_files(out)["week_start=2026-10-26"] == before["week_start=2026-10-26"]
    with duckdb.connect(result.duckdb_path.as_posix(), read_only=True) as con:
        talk = dict(
            con.execute(
                "select call_id, talk_seconds from marts.fct_calls "
                "where call_id in ('old0', 'c0', 'new')"
            ).fetchall()
        )
        # Copied whole: a mart not built incrementally shows every change.
        late = con.execute("select count(*) from marts.channel_weekly where channel = 'late'")
        assert late.fetchone()[0] == 1
        # The NOT NULL and comments of the first publication are still there.
        assert con.execute(
            "select is_nullable from duckdb_columns() where table_name = 'fct_calls' "
            "and column_name = 'call_id'"
        ).fetchone() == (False,)
    assert talk == {"old0": None, "c0": -1, "new": None}
    assert result.rows["fct_calls"] == calls_rows(1) + 4

    # A full build copies everything again, the older week's change included.
    full = publish_marts(warehouse, out)
    assert full.partitions_written == {"fct_calls": ["2026-10-26"]}
    with duckdb.connect(full.duckdb_path.as_posix(), read_only=True) as con:
        assert con.execute(
            "select talk_seconds from marts.fct_calls where call_id = 'old0'"
        ).fetchone() == (7,)


def test_incremental_marts_come_from_the_manifest() -> None:
    marts = publish.incremental_marts()
    assert {"fct_calls", "fct_leads", "channel_weekly"} <= set(marts)
    assert "channel_quarterly" not in marts
