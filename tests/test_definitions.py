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


def test_quality_checks_run_in_one_blocking_step_that_can_be_subset(dbt_manifest: Path) -> None:
    """Each data-quality check is its own asset check on its asset, blocking and evaluated in
    the one `data_quality_checks` step (a step per check cost Dagster a dozen events each)."""
    from orchestration.quality.dagster_checks import CHECKS_STEP
    from orchestration.quality.registry import ALL_CHECKS

    defs, graph = _graph(dbt_manifest)
    job = defs.resolve_job_def("materialize_everything")
    steps = set(job.graph.node_names())
    assert CHECKS_STEP in steps
    assert not {c.name for c in ALL_CHECKS} & steps
    expected = {(AssetKey(list(c.asset)), c.name) for c in ALL_CHECKS}
    found = {(k.asset_key, k.name) for k in graph.asset_check_keys}
    assert expected <= found
    checks = next(
        d
        for d in defs.asset_checks or []
        if getattr(d, "node_def", None) and d.node_def.name == CHECKS_STEP
    )
    assert checks.can_subset
    assert all(spec.blocking for spec in checks.check_specs)
    assert {(s.asset_key, s.name) for s in checks.check_specs} == expected
