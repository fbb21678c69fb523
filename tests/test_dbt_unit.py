"""dbt unit tests (hand-computed fixtures for every business rule) run here, not in production."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR
from tests.conftest import PipelineRun


def test_every_dbt_unit_test_passes(pipeline: PipelineRun, tmp_path: Path) -> None:
    # A copy of the materialised warehouse gives dbt the parents' column types to build fixtures.
    warehouse = tmp_path / "unit.duckdb"
    shutil.copy(pipeline.warehouse, warehouse)
    target = tmp_path / "target"
    env = {
        **pipeline.env,
        "CALLFUNNEL_WAREHOUSE": warehouse.as_posix(),
        "DBT_TARGET_PATH": target.as_posix(),
        "DBT_LOG_PATH": (tmp_path / "logs").as_posix(),
    }
    dbt = Path(sys.executable).parent / "dbt"
    dbt_vars = json.dumps(
        {
            "raw_dir": pipeline.env["CALLFUNNEL_RAW_DIR"],
            "quarantine_dir": pipeline.env["CALLFUNNEL_QUARANTINE_DIR"],
            "as_of": "2026-11-27 06:00:00",
        }
    )
    proc = subprocess.run(
        [str(dbt), "test", "--select", "test_type:unit", "--vars", dbt_vars],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    failed = [r["unique_id"] for r in results if r["status"] != "pass"]
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert failed == []
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    assert len(results) == len(manifest["unit_tests"]) > 0
