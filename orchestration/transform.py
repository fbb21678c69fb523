"""The dbt project as Dagster assets: seeds, models and their tests, with lineage from ingestion."""

# No `from __future__ import annotations`: Dagster inspects the asset's annotations at runtime.
import contextlib
import importlib.metadata
import os
import shutil
import sysconfig
import threading
from collections.abc import Iterator, Mapping
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    DagsterEventType,
    DagsterInstance,
    Output,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from orchestration.dbt_setup import (
    FULL_REFRESH_ENV,
    dbt_build_args,
    deployment_vars,
    restatement_window_start,
    warehouse_has_marts,
)
from orchestration.resources import CallfunnelSettings
from orchestration.settings import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DBT_PROJECT.prepare_if_dev()

# Production runs leave dbt unit tests out; `make test` runs them through pytest.
PRODUCTION_EXCLUDE = "test_type:unit"


class CallfunnelDbtCli(DbtCliResource):
    """The dbt CLI resource, without the dbt adapter dagster-dbt opens in the Dagster process.

    dagster-dbt builds that adapter (dbt's imports, profile and project: two to three seconds
    of every run) only to fetch column metadata and row counts after the build, which callfunnel
    does not ask for; dbt itself runs in its own process either way. Both overrides are private
    methods of the pinned dagster-dbt (tests/test_dbt_setup.py notices when they go).
    """

    def _initialize_dbt_core_adapter(self, args: Any) -> None:  # type: ignore[override]
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        """The version of the dbt that runs, read from this environment's package metadata when
        that dbt is this environment's: dagster-dbt would start `dbt --version` on every run
        (one to two seconds of dbt's imports). Any other dbt is asked, as dagster-dbt does."""
        found = shutil.which(self.dbt_executable)
        if found and Path(found).parent == Path(sysconfig.get_path("scripts")):
            with contextlib.suppress(importlib.metadata.PackageNotFoundError):
                return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version


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


# Metadata key on every dbt materialisation: the Monday from which this run rewrote weeks, or
# ALL_HISTORY when it rebuilt everything. Checks read it to inspect only what the run changed.
RESTATED_FROM = "restated_from"
ALL_HISTORY = "all history"
# The model whose materialisation records a run's scope for readers downstream.
SCOPE_MODEL = AssetKey(["marts", "fct_calls"])


def restated_from(instance: DagsterInstance, run_id: str | None = None) -> date | None:
    """The Monday from which the dbt build of `run_id` rewrote weeks; None if it rebuilt all.

    Without a build in that run (or without `run_id`), the latest build counts. Never built:
    None, so readers inspect everything.
    """
    event = None
    if run_id is not None:
        records = instance.get_records_for_run(
            run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
        ).records
        for record in records:
            materialization = record.event_log_entry.asset_materialization
            if materialization is not None and materialization.asset_key == SCOPE_MODEL:
                event = materialization
    if event is None:
        latest = instance.get_latest_materialization_event(SCOPE_MODEL)
        event = latest.asset_materialization if latest is not None else None
    if event is None or RESTATED_FROM not in event.metadata:
        return None
    value = event.metadata[RESTATED_FROM].value
    return None if value == ALL_HISTORY else date.fromisoformat(str(value))


def _warm_expectations_import() -> None:
    """Import Great Expectations while dbt runs: the quality checks after it need it (~3 s)."""

    def load() -> None:
        # A failure here is not this asset's: the checks import it again and report it there.
        with contextlib.suppress(Exception):
            import great_expectations  # noqa: F401

    threading.Thread(target=load, name="warm-great-expectations", daemon=True).start()


@contextlib.contextmanager
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
    context: AssetExecutionContext, dbt: CallfunnelDbtCli, settings: CallfunnelSettings
) -> Iterator[Any]:
    """Seeds, staging, intermediate and marts built with `dbt build`: each test is a check."""
    run_settings = settings.settings()
    run_settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    first_build = not warehouse_has_marts(run_settings.warehouse)
    # The data-quality thresholds the mart shares with the checks come from the same config.
    dbt_vars = deployment_vars(run_settings)
    args = dbt_build_args(dbt_vars, first_build=first_build)
    full = "--full-refresh" in args
    scope = ALL_HISTORY if full else restatement_window_start(run_settings).isoformat()
    context.log.info(
        f"dbt build on {run_settings.warehouse} with vars {dbt_vars}; "
        + ("rebuilding all history" if full else f"restating weeks from {scope}")
        + (" (first build)" if first_build else "")
        + (f" ({FULL_REFRESH_ENV} is set)" if full and not first_build else "")
    )
    _warm_expectations_import()
    with patched_environ(run_settings.dbt_env()):
        invocation = dbt.cli(args, context=context)
        for event in invocation.stream():
            if isinstance(event, Output | AssetMaterialization):
                event = event.with_metadata({**event.metadata, RESTATED_FROM: scope})
            yield event
