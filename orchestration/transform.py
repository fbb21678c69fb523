"""The dbt project as Dagster assets: seeds, models and their tests, with lineage from ingestion."""

# No `from __future__ import annotations`: Dagster inspects the asset's annotations at runtime.
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.quality.config import QualityConfig
from orchestration.resources import CallfunnelSettings
from orchestration.settings import DBT_PROJECT_DIR, Settings

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DBT_PROJECT.prepare_if_dev()

# Production runs leave dbt unit tests out; `make test` runs them through pytest.
PRODUCTION_EXCLUDE = "test_type:unit"
# Set to 1 to rebuild the incremental models from all history (docs/incremental.md).
FULL_REFRESH_ENV = "CALLFUNNEL_FULL_REFRESH"


class CallfunnelDbtTranslator(DagsterDbtTranslator):
    """Groups dbt nodes by layer and keeps sources on the ingestion assets' keys."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        resource_type = dbt_resource_props.get("resource_type")
        if resource_type == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn") or []
        for layer in ("staging", "intermediate", "marts"):
            if layer in fqn:
                return layer
        return "transform"

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props.get("resource_type") == "source":
            declared = (dbt_resource_props.get("meta") or {}).get("dagster", {}).get("asset_key")
            if declared:
                return AssetKey(declared)
            return AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)


TRANSLATOR = CallfunnelDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
)


def dbt_environment(settings: Settings) -> dict[str, str]:
    """Environment the dbt subprocess needs: where the warehouse and the raw zone are."""
    return {
        "CALLFUNNEL_WAREHOUSE": settings.warehouse.as_posix(),
        "CALLFUNNEL_RAW_DIR": settings.raw_dir.as_posix(),
        "CALLFUNNEL_QUARANTINE_DIR": settings.quarantine_dir.as_posix(),
        "DBT_PROFILES_DIR": DBT_PROJECT_DIR.as_posix(),
    }


def dbt_build_args(dbt_vars: str, environ: Mapping[str, str] = os.environ) -> list[str]:
    """`dbt build` with the run's vars; `--full-refresh` when CALLFUNNEL_FULL_REFRESH is set."""
    args = ["build", "--vars", dbt_vars]
    if environ.get(FULL_REFRESH_ENV, "").strip().lower() in {"1", "true", "yes"}:
        args.append("--full-refresh")
    return args


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a dbt invocation, then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    exclude=PRODUCTION_EXCLUDE,
)
def callfunnel_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, settings: CallfunnelSettings
) -> Iterator[Any]:
    """Seeds, staging, intermediate and marts built with `dbt build`: each test is a check."""
    run_settings = settings.settings()
    run_settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    # The data-quality thresholds the mart shares with the checks come from the same config.
    dbt_vars = json.dumps({**run_settings.dbt_vars(), **QualityConfig.from_env().dbt_vars()})
    context.log.info(f"dbt build on {run_settings.warehouse} with vars {dbt_vars}")
    with patched_environ(dbt_environment(run_settings)):
        args = dbt_build_args(dbt_vars)
        if "--full-refresh" in args:
            context.log.info(f"{FULL_REFRESH_ENV} is set: full refresh of the incremental models")
        invocation = dbt.cli(args, context=context)
        yield from invocation.stream()
