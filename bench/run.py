"""`make bench`: full and incremental pipeline, floors and pandas peer, timed into one report."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.settings import DBT_PROJECT_DIR, DEFAULT_DUCKDB_MEMORY_LIMIT, PROJECT_ROOT

AS_OF = "2026-11-27T09:00:00+03:00"
APPEND_AS_OF = "2026-12-04T09:00:00+03:00"
WEEKS = int(os.environ.get("BENCH_WEEKS", "52"))  # fewer only for the small test run
SEED = 7
CALLERS_PER_CALL = 0.33  # caller pool size per call: ~3M distinct callers at 10M calls
PEER_COLUMNS = [
    "calls",
    "answered_calls",
    "missed_calls",
    "first_time_callers",
    "impressions",
    "reach",
    "clicks",
]


def _tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            pages = int(Path(f"/proc/{entry}/statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        pid = int(entry)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def measure(cmd: list[str], env: dict[str, str], cwd: Path = PROJECT_ROOT) -> dict:
    """Run a child process tree; wall, CPU (user + system of the tree) and peak tree RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = "", ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(max(peak[0], usage.ru_maxrss * 1024) / 2**20, 1),
        "stdout": stdout,
    }


def _env(root: Path, memory_limit: str) -> dict[str, str]:
    data = root / "data"
    home = data / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "CALLFUNNEL_DATA_DIR": data.as_posix(),
        "CALLFUNNEL_LANDING_DIR": (data / "landing").as_posix(),
        "CALLFUNNEL_RAW_DIR": (data / "raw").as_posix(),
        "CALLFUNNEL_QUARANTINE_DIR": (data / "quarantine").as_posix(),
        "CALLFUNNEL_WAREHOUSE": (data / "warehouse.duckdb").as_posix(),
        "CALLFUNNEL_AS_OF": AS_OF,
        "CALLFUNNEL_TIMEZONE": "Europe/Moscow",
        "CALLFUNNEL_DUCKDB_MEMORY_LIMIT": memory_limit,
        "DAGSTER_HOME": home.as_posix(),
        "DBT_PROFILES_DIR": DBT_PROJECT_DIR.as_posix(),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("CALLFUNNEL_HASH_SECRET", None)
    return env


def prepare(env: dict[str, str]) -> None:
    """Parse the dbt project for this root's deployment, as `make manifest` does (not timed)."""
    subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "prepare"],
        env=env,
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )


def progress(message: str) -> None:
    print(f"bench {time.strftime('%H:%M:%S')}: {message}", flush=True)


def simulate(env: dict[str, str], landing: Path, *args: str) -> dict:
    cmd = [sys.executable, "-m", "orchestration.simulator", "--landing", str(landing), *args]
    return measure(cmd, env)


def materialize(root: Path, env: dict[str, str]) -> dict:
    """One Dagster run of everything, with the stage wall times of its steps."""
    out = root / f"stages-{time.time_ns()}.json"
    result = measure([sys.executable, "-m", "bench.stage", str(out)], env)
    stages = json.loads(out.read_text())
    result.update(stages)
    result.pop("stdout")
    return result


def dbt_target_for(root: Path, since: float) -> Path:
    """The dbt target folder of this root's latest run (its compiled SQL names the root)."""
    raw = (root / "data" / "raw").as_posix()
    for target in sorted(
        (DBT_PROJECT_DIR / "target").glob("callfunnel_dbt_assets-*"),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    ):
        results = target / "run_results.json"
        if results.exists() and results.stat().st_mtime >= since and raw in results.read_text():
            return target
    raise RuntimeError(f"no dbt target folder for {root}")


def compare_peer(peer_csv: Path, warehouse: Path) -> dict:
    """Equality of the peer's figures with the mart's, on every (week, channel) either has."""
    peer = pd.read_csv(peer_csv, dtype={"week_start": str})
    with duckdb.connect(warehouse.as_posix(), read_only=True) as con:
        mart = con.execute(
            f"select cast(week_start as varchar) as week_start, channel, "
            f"{', '.join(PEER_COLUMNS)} from marts.channel_weekly"
        ).df()
    both = peer.merge(mart, on=["week_start", "channel"], how="outer", suffixes=("_peer", "_mart"))
    mismatched = {}
    for col in PEER_COLUMNS:
        a = both[f"{col}_peer"].fillna(0).astype("int64")
        b = both[f"{col}_mart"].fillna(0).astype("int64")
        if (a != b).any():
            mismatched[col] = int((a != b).sum())
    return {
        "columns": PEER_COLUMNS,
        "rows_compared": len(both),
        "equal": not mismatched,
        "mismatched_rows": mismatched,
        "peer_total_calls": int(peer["calls"].sum()),
        "mart_total_calls": int(mart["calls"].sum()),
    }


def _median(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def _summary(runs: list[dict]) -> dict:
    out = {k: _median(runs, k) for k in ("wall_s", "cpu_s", "peak_rss_mb")}
    stage_names = sorted({s for r in runs for s in r.get("stages", {})})
    if stage_names:
        out["stages_s"] = {
            s: round(statistics.median(r["stages"].get(s, 0.0) for r in runs), 3)
            for s in stage_names
        }
        out["import_s"] = _median(runs, "import_s")
    out["runs"] = len(runs)
    return out


def _data_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f) - 1


def bench_size(size: int, repeat: int, work: Path, memory_limit: str) -> dict:
    """Every measurement at one size (calls over 52 weeks)."""
    per_week = max(200, size // WEEKS)
    callers = max(1000, round(size * CALLERS_PER_CALL))
    sim_args = ["--calls-per-week", str(per_week), "--seed", str(SEED), "--callers", str(callers)]
    base = work / f"landing-{size}"
    shutil.rmtree(base, ignore_errors=True)
    env0 = _env(work / "sim", memory_limit)
    progress(f"{size:,} calls: simulating {WEEKS} weeks")
    sim = simulate(env0, base, "--weeks", str(WEEKS), *sim_args)
    sim.pop("stdout")
    calls_rows = sum(_data_lines(f) for f in (base / "calls").glob("*.csv"))

    full, incr, ingest_floor, transform_floor, peer = [], [], [], [], []
    peer_check: dict = {}
    for r in range(repeat):
        root = work / f"run-{size}-{r}"
        shutil.rmtree(root, ignore_errors=True)
        env = _env(root, memory_limit)
        landing = Path(env["CALLFUNNEL_LANDING_DIR"])
        shutil.copytree(base, landing, copy_function=os.link)
        prepare(env)
        progress(f"{size:,} calls, run {r + 1}/{repeat}: full pipeline")
        since = time.time()
        full.append(materialize(root, env))
        target = dbt_target_for(root, since)
        warehouse = Path(env["CALLFUNNEL_WAREHOUSE"])

        floor_dir = root / "floor"
        progress(f"{size:,} calls, run {r + 1}/{repeat}: floors and pandas peer")
        m = measure(
            [sys.executable, "-m", "bench.floors", "ingest", str(landing), str(floor_dir / "pq")],
            env,
        )
        m.update(json.loads(m.pop("stdout")))
        ingest_floor.append(m)
        m = measure(
            [
                sys.executable,
                "-m",
                "bench.floors",
                "transform",
                str(target),
                str(warehouse),
                str(floor_dir / "db"),
            ],
            env,
        )
        m.update(json.loads(m.pop("stdout")))
        transform_floor.append(m)

        peer_csv = root / "peer_channel_weekly.csv"
        m = measure([sys.executable, "-m", "bench.peer", str(landing), str(peer_csv)], env)
        m.pop("stdout")
        peer.append(m)
        peer_check = compare_peer(peer_csv, warehouse)

        # Incremental: the 53rd week lands; the run after it must cost what a week costs.
        env_next = {**env, "CALLFUNNEL_AS_OF": APPEND_AS_OF}
        simulate(env_next, landing, "--append-week", *sim_args)
        progress(f"{size:,} calls, run {r + 1}/{repeat}: incremental week")
        incr.append(materialize(root, env_next))
        shutil.rmtree(floor_dir, ignore_errors=True)

    return {
        "calls": calls_rows,
        "calls_per_week": per_week,
        "caller_pool": callers,
        "simulate": sim,
        "full_pipeline": _summary(full),
        "incremental_week": _summary(incr),
        "ingestion_floor": _summary(ingest_floor),
        "transformation_floor": _summary(transform_floor)
        | {"models": transform_floor[-1]["models"], "tests": transform_floor[-1]["tests"]},
        "pandas_peer": _summary(peer),
        "peer_equals_mart": peer_check,
        "raw": {"full": full, "incremental": incr},
    }


def fixed_overhead(repeat: int, work: Path, memory_limit: str) -> dict:
    """Dagster + dbt start-up on a one-week, thousand-call landing folder."""
    runs = []
    for r in range(repeat):
        root = work / f"overhead-{r}"
        shutil.rmtree(root, ignore_errors=True)
        env = _env(root, memory_limit)
        simulate(
            env,
            Path(env["CALLFUNNEL_LANDING_DIR"]),
            "--weeks",
            "1",
            "--calls-per-week",
            "1000",
            "--seed",
            str(SEED),
        )
        prepare(env)
        progress(f"fixed overhead, run {r + 1}/{repeat}")
        runs.append(materialize(root, env))
    return _summary(runs)


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    versions = {
        p: metadata.version(p)
        for p in (
            "dagster",
            "dagster-dbt",
            "dbt-core",
            "dbt-duckdb",
            "duckdb",
            "pandas",
            "pyarrow",
            "phonenumbers",
        )
    }
    return {
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 2**20, 1),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "os": platform.platform(),
        "versions": versions,
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def targets(sizes: dict[str, dict], overhead: dict) -> dict:
    """Each target of issue 6: measured value, bound, met (None with a reason if unmeasured)."""
    big = sizes.get("10000000")
    why = "10M calls not run (set BENCH_SIZES to include 10000000)"
    fixed = overhead.get("wall_s")

    small = sizes.get("1000000")

    def at(
        size: dict | None, name: str, bound: float, value_of: Callable[[dict], float | None]
    ) -> dict:
        reported = {"at_1M_reported": value_of(small) if small else None}
        if size is None:
            return {
                "name": name,
                "value": None,
                "bound": bound,
                "met": None,
                "reason": why,
            } | reported
        value = value_of(size)
        return {
            "name": name,
            "value": value,
            "bound": bound,
            "met": None if value is None else value <= bound,
        } | reported

    def ingest_ratio(s: dict) -> float | None:
        return _ratio(s["full_pipeline"]["stages_s"].get("ingest"), s["ingestion_floor"]["wall_s"])

    def incr_share(s: dict) -> float | None:
        if fixed is None:
            return None
        var_full = s["full_pipeline"]["wall_s"] - fixed
        return _ratio(s["incremental_week"]["wall_s"] - fixed, var_full)

    out = {
        "ingestion_vs_floor_10M": at(
            big, "ingestion within 3x the ingestion floor", 3.0, ingest_ratio
        ),
        "peak_rss_full_10M_mb": at(
            big,
            "full pipeline peak RSS of the process tree (MB)",
            4096,
            lambda s: s["full_pipeline"]["peak_rss_mb"],
        ),
        "dbt_vs_floor_10M": at(
            big,
            "dbt build within 1.5x the transformation floor",
            1.5,
            lambda s: _ratio(
                s["full_pipeline"]["stages_s"].get("dbt_build"), s["transformation_floor"]["wall_s"]
            ),
        ),
        "full_vs_ingestion_floor_10M": at(
            big,
            "full pipeline within 10x the ingestion floor",
            10.0,
            lambda s: _ratio(s["full_pipeline"]["wall_s"], s["ingestion_floor"]["wall_s"]),
        ),
        "incremental_variable_share_10M": at(
            big,
            "incremental week's variable cost / full pipeline's variable cost",
            0.10,
            incr_share,
        ),
        "fixed_overhead_s": {
            "name": "fixed overhead (one week, 1000 calls)",
            "value": fixed,
            "bound": 15.0,
            "met": None if fixed is None else fixed < 15.0,
            "where": overhead.get("stages_s"),
        },
    }
    for key in ("1000000", "10000000"):
        s = sizes.get(key)
        name = f"full pipeline faster than the pandas peer at {int(key) // 10**6}M"
        out[f"full_vs_peer_{int(key) // 10**6}M"] = (
            {
                "name": name,
                "value": _ratio(s["full_pipeline"]["wall_s"], s["pandas_peer"]["wall_s"]),
                "bound": 1.0,
                "met": s["full_pipeline"]["wall_s"] < s["pandas_peer"]["wall_s"],
            }
            if s
            else {
                "name": name,
                "value": None,
                "bound": 1.0,
                "met": None,
                "reason": f"{key} calls not run",
            }
        )
    return out


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _repeat_text(repeat: int | dict[str, int]) -> str:
    if isinstance(repeat, int):
        return f"{repeat} run(s)"
    return ", ".join(f"{n} run(s) at {int(size):,} calls" for size, n in repeat.items())


def render_tables(report: dict) -> str:
    """The generated part of docs/benchmarks.md: targets, then per-size measurements."""
    m = report["machine"]
    lines = [
        f"Generated by `make bench` at {report['generated_at']} on {m['cores']} cores, "
        f"{m['ram_gb']} GB RAM, {m['cpu_model']} (load average at start "
        f"{m.get('load_average_at_start', 'not recorded')}); DuckDB memory_limit "
        f"{report['settings']['duckdb_memory_limit']}; median of "
        f"{_repeat_text(report['settings']['repeat'])}."
        + (
            f" Not run: {', '.join(f'{n:,}' for n in report['not_run'])} calls."
            if report["not_run"]
            else ""
        ),
        "",
        "| target | measured | bound | met | at 1M (reported) |",
        "|---|---|---|---|---|",
    ]
    for t in report["targets"].values():
        met = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
        lines.append(
            f"| {t['name']} | {_fmt(t['value'])} | {_fmt(t['bound'])} | {met} | "
            f"{_fmt(t.get('at_1M_reported'))} |"
        )
    lines += ["", "| size | measurement | wall s | CPU s | peak RSS MB |", "|---|---|---|---|---|"]
    over = report["fixed_overhead"]
    lines.append(
        f"| 1 week, 1k calls | fixed overhead | {_fmt(over.get('wall_s'))} | "
        f"{_fmt(over.get('cpu_s'))} | {_fmt(over.get('peak_rss_mb'))} |"
    )
    for size, s in report["sizes"].items():
        for key in (
            "simulate",
            "full_pipeline",
            "incremental_week",
            "ingestion_floor",
            "transformation_floor",
            "pandas_peer",
        ):
            row = s[key]
            lines.append(
                f"| {int(size):,} | {key.replace('_', ' ')} | {_fmt(row['wall_s'])} | "
                f"{_fmt(row['cpu_s'])} | {_fmt(row['peak_rss_mb'])} |"
            )
    lines += ["", "| size | run | " + " | ".join(STAGES) + " |", "|---|---|" + "---|" * len(STAGES)]
    where = over.get("stages_s") or {}
    if where:
        lines.append(
            "| 1 week, 1k calls | fixed overhead (s) | "
            + " | ".join(_fmt(where.get(x)) for x in STAGES)
            + " |"
        )
    notes = []
    for size, s in report["sizes"].items():
        for key in ("full_pipeline", "incremental_week"):
            st = s[key]["stages_s"]
            lines.append(
                f"| {int(size):,} | {key.replace('_', ' ')} (s) | "
                + " | ".join(_fmt(st.get(x)) for x in STAGES)
                + " |"
            )
        rps = s["rows_per_second"]
        lines.append(
            f"| {int(size):,} | calls/s, full | "
            + " | ".join(_fmt(rps.get(x)) for x in STAGES)
            + " |"
        )
        peer = s["peer_equals_mart"]
        notes.append(
            f"{int(size):,} calls: pandas peer equals the mart on {', '.join(peer['columns'])} "
            f"over {peer['rows_compared']} (week, channel) rows: **{peer['equal']}**; ratios "
            + ", ".join(f"{k} {_fmt(v)}" for k, v in s["ratios"].items())
            + "."
        )
    for note in notes:
        lines += ["", note]
    return "\n".join(lines)


def write_doc(path: Path, tables: str) -> None:
    """Replace the generated block of the benchmarks page (create the page if missing)."""
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{BEGIN}\n{tables}\n{END}{tail}")


STAGES = ("ingest", "dbt_build", "checks", "publish", "report")


def repeats_by_size(spec: str, sizes: list[int]) -> dict[int, int]:
    """BENCH_REPEAT: one count for every size ("3"), or per size ("1000000:3,10000000:1")."""
    if ":" not in spec:
        return {size: int(spec) for size in sizes}
    given = {int(k): int(v) for k, v in (part.split(":") for part in spec.split(",") if part)}
    missing = [size for size in sizes if size not in given]
    if missing:
        raise SystemExit(f"BENCH_REPEAT={spec!r} gives no count for sizes {missing}")
    return {size: given[size] for size in sizes}


def main() -> int:
    if sys.argv[1:] == ["--render"]:  # redraw the tables from an existing results.json
        out = Path(os.environ.get("BENCH_RESULTS", PROJECT_ROOT / "bench" / "results.json"))
        doc = Path(os.environ.get("BENCH_DOC", PROJECT_ROOT / "docs" / "benchmarks.md"))
        write_doc(doc, render_tables(json.loads(out.read_text())))
        return 0
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "1000000,10000000").split(",") if s]
    spec = os.environ.get("BENCH_REPEAT", "3")
    repeats = repeats_by_size(spec, sizes)
    # The fixed overhead is cheap: it takes the largest count given (or the plain count).
    repeat = max(repeats.values(), default=int(spec) if ":" not in spec else 3)
    memory_limit = os.environ.get("BENCH_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT)
    work = Path(os.environ.get("BENCH_WORK", PROJECT_ROOT / "data" / "bench")).resolve()
    out = Path(os.environ.get("BENCH_RESULTS", PROJECT_ROOT / "bench" / "results.json"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    host = machine()
    if os.environ.get("BENCH_OVERHEAD", "1") == "1":
        overhead = fixed_overhead(repeat, work, memory_limit)
    else:
        overhead = {"wall_s": None, "reason": "skipped (BENCH_OVERHEAD=0)"}
    results: dict[str, dict] = {}
    for size in sizes:
        progress(f"{size:,} calls, {repeats[size]} run(s)")
        results[str(size)] = bench_size(size, repeats[size], work, memory_limit)
    for s in results.values():
        full = s["full_pipeline"]
        s["ratios"] = {
            "ingest_vs_ingestion_floor": _ratio(
                full["stages_s"].get("ingest"), s["ingestion_floor"]["wall_s"]
            ),
            "dbt_vs_transformation_floor": _ratio(
                full["stages_s"].get("dbt_build"), s["transformation_floor"]["wall_s"]
            ),
            "full_vs_ingestion_floor": _ratio(full["wall_s"], s["ingestion_floor"]["wall_s"]),
            "full_vs_pandas_peer": _ratio(full["wall_s"], s["pandas_peer"]["wall_s"]),
            "incremental_vs_full": _ratio(s["incremental_week"]["wall_s"], full["wall_s"]),
        }
        s["rows_per_second"] = {
            stage: round(s["calls"] / secs) for stage, secs in full["stages_s"].items() if secs
        } | {"full_pipeline": round(s["calls"] / full["wall_s"])}
    report = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": host,
        "settings": {
            "sizes": sizes,
            "repeat": {str(size): n for size, n in repeats.items()},
            "duckdb_memory_limit": memory_limit,
            "weeks": WEEKS,
            "bench_seconds": round(time.time() - started),
        },
        "not_run": [n for n in (1_000_000, 10_000_000) if n not in sizes],
        "fixed_overhead": overhead,
        "sizes": results,
        "targets": targets(results, overhead),
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    doc = Path(os.environ.get("BENCH_DOC", PROJECT_ROOT / "docs" / "benchmarks.md"))
    write_doc(doc, render_tables(report))
    print(f"bench: wrote {out} and {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
