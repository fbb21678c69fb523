"""Bench child process: the floors (plain DuckDB COPY; dbt's compiled SQL run directly)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import duckdb


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(path)
    con.execute("set threads = 2")
    # The warehouse's settings (dbt_project/profiles.yml), so only the framework differs.
    con.execute("set preserve_insertion_order = false")
    limit = os.environ.get("CALLFUNNEL_DUCKDB_MEMORY_LIMIT")
    if limit:
        con.execute(f"set memory_limit = '{limit}'")
    return con


def ingestion_floor(landing: Path, out: Path) -> dict:
    """COPY every landing CSV folder to one Parquet file, all text, no validation."""
    out.mkdir(parents=True, exist_ok=True)
    con = _connect(":memory:")
    rows = {}
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
        glob = (folder / "*.csv").as_posix()
        target = (out / f"{folder.name}.parquet").as_posix()
        con.execute(
            f"copy (select * from read_csv('{glob}', all_varchar = true, union_by_name = true)) "
            f"to '{target}' (format parquet)"
        )
        rows[folder.name] = con.execute(f"select count(*) from '{target}'").fetchone()[0]
    return {"rows": rows}


def transformation_floor(target: Path, source_warehouse: Path, workdir: Path) -> dict:
    """Run the compiled SQL of a dbt build (models, then their tests) in one DuckDB connection.

    Seeds are copied from the pipeline's warehouse; unit tests are left out (production runs
    exclude them). The database file keeps the warehouse's name so relation names resolve.
    """
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = manifest["nodes"]
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / source_warehouse.name
    db.unlink(missing_ok=True)
    con = _connect(db.as_posix())
    con.execute(f"attach '{source_warehouse.as_posix()}' as pipeline_src (read_only)")
    done = {"models": 0, "tests": 0, "seeds": 0, "test_failures": 0}
    schemas: set[str] = set()
    for res in results:
        uid = res["unique_id"]
        node = nodes.get(uid, {})
        kind = uid.split(".")[0]
        if kind in ("seed", "model"):
            schema = node["schema"]
            if schema not in schemas:
                con.execute(f'create schema if not exists "{schema}"')
                schemas.add(schema)
        if kind == "seed":
            con.execute(
                f'create table "{node["schema"]}"."{node["alias"]}" as '
                f'select * from pipeline_src."{node["schema"]}"."{node["alias"]}"'
            )
            done["seeds"] += 1
        elif kind == "model":
            materialized = node["config"]["materialized"]
            what = "view" if materialized == "view" else "table"
            con.execute(f"create {what} {res['relation_name']} as ({res['compiled_code']})")
            done["models"] += 1
        elif kind == "test" and res.get("compiled_code"):
            failures = con.execute(
                f"select count(*) from ({res['compiled_code']}) as t"
            ).fetchone()[0]
            done["tests"] += 1
            done["test_failures"] += int(failures > 0)
    con.close()
    return done


def main(argv: list[str]) -> int:
    """`ingest <landing> <out>` or `transform <target> <warehouse> <workdir>`; JSON to stdout."""
    started = time.perf_counter()
    if argv[0] == "ingest":
        detail = ingestion_floor(Path(argv[1]), Path(argv[2]))
    else:
        detail = transformation_floor(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    detail["wall_s"] = time.perf_counter() - started
    print(json.dumps(detail))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
