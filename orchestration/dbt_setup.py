"""dbt's side of a deployment that needs no parsed project: vars, scope of a build, parsing.

`orchestration.transform` defines the dbt assets from the manifest; this module is what runs
before a manifest exists (`python -m orchestration.cli prepare`) and what the checks share.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

import duckdb
import yaml

from orchestration.quality.config import QualityConfig
from orchestration.settings import DBT_PROJECT_DIR, Settings

# Set to 1 to rebuild the incremental models from all history (docs/incremental.md).
FULL_REFRESH_ENV = "CALLFUNNEL_FULL_REFRESH"


def restatement_weeks() -> int:
    """The project's `restatement_weeks` var (dbt_project.yml), shared with the Python side."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return int(project["vars"]["restatement_weeks"])


def restatement_window_start(settings: Settings) -> date:
    """First Monday an incremental run rewrites: as_of's business week, restatement_weeks back.

    The same rule as dbt's `restatement_window_start()` macro (macros/incremental).
    """
    local = settings.as_of.astimezone(settings.tz).date()
    return local - timedelta(days=local.weekday() + 7 * restatement_weeks())


def deployment_vars(settings: Settings) -> str:
    """The `--vars` of every dbt command of this deployment (stable between runs, see dbt_vars)."""
    return json.dumps({**settings.dbt_vars(), **QualityConfig.from_env().dbt_vars()})


def warehouse_has_marts(warehouse: Path) -> bool:
    """Whether an earlier build left the marts in the warehouse (else this build is the first)."""
    if not warehouse.exists():
        return False
    try:
        with duckdb.connect(warehouse.as_posix(), read_only=True) as con:
            found = con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'marts' and table_name = 'fct_calls'"
            ).fetchone()
    except duckdb.Error:
        return False
    return bool(found and found[0])


def dbt_build_args(
    dbt_vars: str, environ: Mapping[str, str] = os.environ, *, first_build: bool = False
) -> list[str]:
    """`dbt build` with the run's vars; `--full-refresh` on a first build or when asked.

    A first build rebuilds all history either way; saying so lets the data tests (their
    `where` configs) and the checks know they must read every week, not just the window.
    """
    args = ["build", "--vars", dbt_vars]
    asked = environ.get(FULL_REFRESH_ENV, "").strip().lower() in {"1", "true", "yes"}
    if asked or first_build:
        args.append("--full-refresh")
    return args


def prepare_manifest(settings: Settings, target_dir: Path | None = None) -> Path:
    """Parse the project with this deployment's vars and environment; the manifest's path.

    Dagster reads the manifest to define the assets, and every `dbt build` starts from the
    partial-parse state written beside it: with the same vars, profile and environment, dbt
    skips parsing (about 3.5 s of every run). `target_dir` defaults to the project's target/.
    """
    dbt = shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")
    env = {**os.environ, **settings.dbt_env()}
    env.pop("DBT_TARGET_PATH", None)
    if target_dir is not None:
        env["DBT_TARGET_PATH"] = target_dir.as_posix()
    subprocess.run(
        [dbt, "parse", "--quiet", "--vars", deployment_vars(settings)],
        cwd=DBT_PROJECT_DIR,
        env=env,
        check=True,
    )
    return (target_dir or DBT_PROJECT_DIR / "target") / "manifest.json"
