"""The Dagster code location loads, and lineage runs from each landing source to the models."""

from __future__ import annotations

import json
from pathlib import Path

from dagster import AssetKey

from orchestration.ingest.contract import SOURCES

STAGING = {
    "calls": "stg_calltracker__calls",
    "tracking_numbers": "stg_calltracker__tracking_numbers",
    "crm_leads": "stg_crm__leads",
    "crm_status_events": "stg_crm__status_events",
    "ad_costs": "stg_ads__costs",
}


def _graph(dbt_manifest: Path):
    from orchestration.definitions import defs

    return defs, defs.resolve_asset_graph()


def test_definitions_load_with_job_schedule_and_resources(dbt_manifest: Path) -> None:
    defs, _ = _graph(dbt_manifest)
    job = defs.resolve_job_def("materialize_everything")
    assert job is not None
    schedule = defs.resolve_schedule_def("friday_morning")
    assert schedule.cron_schedule == "0 7 * * 5"
    assert schedule.execution_timezone == "Europe/Moscow"
    assert set(defs.resources) >= {"settings", "dbt"}


def test_each_landing_source_feeds_its_staging_model(dbt_manifest: Path) -> None:
    _, graph = _graph(dbt_manifest)
    keys = {key.to_user_string(): key for key in graph.get_all_asset_keys()}
    for source in SOURCES:
        raw = AssetKey(["raw", source.name])
        assert raw in graph.get_all_asset_keys(), raw
        staging = keys[f"staging/{STAGING[source.name]}"]
        assert raw in graph.get(staging).parent_keys
    # ... and on through attribution to the leads.
    leads = keys["intermediate/int_leads"]
    upstream = graph.upstream_key_closure(leads) if hasattr(graph, "upstream_key_closure") else None
    if upstream is None:
        seen, todo = set(), [leads]
        while todo:
            key = todo.pop()
            for parent in graph.get(key).parent_keys:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        upstream = seen
    for source in ("calls", "tracking_numbers", "crm_leads", "crm_status_events"):
        assert AssetKey(["raw", source]) in upstream


def test_dbt_tests_are_asset_checks_and_unit_tests_stay_out(dbt_manifest: Path) -> None:
    _, graph = _graph(dbt_manifest)
    check_names = {check.name for check in graph.asset_check_keys}
    assert "tracking_number_periods_do_not_overlap" in check_names
    assert "landing_files_readable" in check_names
    manifest = json.loads(dbt_manifest.read_text())
    unit_tests = {test["name"] for test in manifest.get("unit_tests", {}).values()}
    assert unit_tests, "the dbt project should declare unit tests"
    assert not unit_tests & check_names
