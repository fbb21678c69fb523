"""A small run of the `make bench` harness, so that it does not rot (no assertion on time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration.settings import PROJECT_ROOT

SECTIONS = (
    "simulate",
    "full_pipeline",
    "incremental_week",
    "ingestion_floor",
    "transformation_floor",
    "pandas_peer",
    "peer_equals_mart",
    "ratios",
    "rows_per_second",
)


def test_bench_harness_small_run(tmp_path: Path, dbt_manifest: Path) -> None:
    env = {
        **os.environ,
        "BENCH_SIZES": "1200",
        "BENCH_WEEKS": "3",
        "BENCH_REPEAT": "1",
        "BENCH_OVERHEAD": "0",
        "BENCH_WORK": str(tmp_path / "work"),
        "BENCH_RESULTS": str(tmp_path / "results.json"),
        "BENCH_DOC": str(tmp_path / "benchmarks.md"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "results.json").read_text())
    assert {"machine", "settings", "fixed_overhead", "sizes", "targets", "not_run"} <= set(report)
    assert report["machine"]["cores"] and report["machine"]["versions"]["duckdb"]
    size = report["sizes"]["1200"]
    assert set(SECTIONS) <= set(size)
    for section in SECTIONS[:6]:
        assert size[section]["wall_s"] is not None and size[section]["peak_rss_mb"] > 0
    assert set(size["full_pipeline"]["stages_s"]) == {
        "ingest",
        "dbt_build",
        "checks",
        "publish",
        "report",
    }
    assert size["transformation_floor"]["models"] > 0
    peer = size["peer_equals_mart"]
    assert peer["equal"], peer
    assert peer["peer_total_calls"] == peer["mart_total_calls"] > 0
    # Unmeasured targets say so rather than pass or fail.
    for target in report["targets"].values():
        assert {"name", "value", "bound", "met"} <= set(target)
        if target["value"] is None:
            assert target["met"] is None
    doc = (tmp_path / "benchmarks.md").read_text()
    assert "| target | measured | bound | met |" in doc
