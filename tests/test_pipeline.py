"""End to end on simulator data: landing → raw zone → staging → intermediate, as planted."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from orchestration.simulator import truths as T
from tests.conftest import (
    TEST_AS_OF,
    TEST_WEEKS,
    PipelineRun,
    pipeline_env,
    run_materialize,
)

FIXTURE = Path(__file__).parent / "fixtures" / "handwritten"


@pytest.fixture(scope="module")
def calendar() -> T.Calendar:
    return T.calendar_for(datetime.fromisoformat(TEST_AS_OF), "Europe/Moscow", TEST_WEEKS)


@pytest.fixture(scope="module")
def faults(calendar: T.Calendar) -> T.PlantedFaults:
    return T.planted_faults(calendar)


def _summary(pipeline: PipelineRun, source: str) -> dict:
    return next(s for s in pipeline.summary["sources"] if s["source"] == source)


def _csv_records(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for row in csv.reader(handle) if any(field.strip() for field in row)) - 1


def test_the_run_succeeds_and_prints_where_results_are(pipeline: PipelineRun) -> None:
    assert pipeline.returncode == 0, pipeline.output
    assert pipeline.summary["success"] is True
    assert pipeline.summary["checks_failed"] == []
    for line in ("warehouse:", "quarantine:", "models built:", "checks:"):
        assert line in pipeline.output
    assert "CALLFUNNEL_HASH_SECRET is not set" in pipeline.output


def test_rows_read_equal_accepted_plus_rejected_for_every_file(pipeline: PipelineRun) -> None:
    manifest = json.loads((pipeline.raw_dir / "_manifest.json").read_text())
    checked = 0
    for source, files in manifest.items():
        if not isinstance(files, dict):
            continue
        for name, entry in files.items():
            if not isinstance(entry, dict) or "rows_read" not in entry:
                continue
            assert entry["rows_read"] == entry["rows_accepted"] + entry["rows_rejected"], name
            # Counted independently of the ingestion code, from the landing file itself.
            assert entry["rows_read"] == _csv_records(pipeline.landing / source / name), name
            checked += 1
    assert checked >= 4 * TEST_WEEKS


def test_exactly_the_planted_row_faults_are_quarantined(
    pipeline: PipelineRun, faults: T.PlantedFaults
) -> None:
    rows = pipeline.query(
        "select source, source_file, source_line, reason from intermediate.quarantine "
        "where held_out_by = 'ingestion'"
    )
    expected = {("calls", Path(r.file).name, r.line, r.reason) for r in faults.rejected_calls}
    assert len(expected) == 4
    assert set(rows) == expected
    assert len(rows) == len(expected)
    for source in ("calls",):
        assert _summary(pipeline, source)["rows_rejected"] == len(faults.rejected_calls)


def test_status_events_with_unknown_codes_are_held_out_by_dbt(
    pipeline: PipelineRun, faults: T.PlantedFaults
) -> None:
    held = pipeline.query(
        "select raw_record, reason from intermediate.quarantine where held_out_by = 'dbt'"
    )
    held_ids = {json.loads(record)["event_id"] for record, _ in held}
    assert held_ids == {event_id for event_id, _, _ in faults.unknown_status_events}
    in_figures = pipeline.query(
        "select count(*) from intermediate.int_crm__status_events_known where event_id = ?",
        [faults.unknown_status_events[0][0]],
    )
    assert in_figures == [(0,)]
    assert any("unknown_status" in name for name in pipeline.summary["checks_warned"])


def test_duplicate_calls_are_merged_and_the_later_export_wins(
    pipeline: PipelineRun, faults: T.PlantedFaults
) -> None:
    assert _summary(pipeline, "calls")["rows_merged"] == len(faults.duplicate_calls) == 1
    dup = faults.duplicate_calls[0]
    with (pipeline.landing / dup.first_file).open(newline="", encoding="utf-8") as handle:
        first = next(row for row in csv.DictReader(handle) if row["call_id"] == dup.call_id)
    staged = pipeline.query(
        "select talk_seconds, source_file from staging.stg_calltracker__calls where call_id = ?",
        [dup.call_id],
    )
    assert staged == [(int(first[dup.column]) + dup.delta, Path(dup.second_file).name)]


def test_duplicate_leads_keep_the_latest_update(
    pipeline: PipelineRun, faults: T.PlantedFaults
) -> None:
    assert _summary(pipeline, "crm_leads")["rows_merged"] == len(faults.duplicate_leads) == 2
    for dup in faults.duplicate_leads:
        raw = pipeline.query(
            f"select max(updated_at), count(*) from read_parquet("
            f"'{pipeline.raw_dir.as_posix()}/crm_leads/*.parquet') where lead_id = ?",
            [dup.lead_id],
        )
        latest, copies = raw[0]
        assert copies == 2
        staged = pipeline.query(
            "select updated_at from staging.stg_crm__leads where lead_id = ?", [dup.lead_id]
        )
        assert staged == [(latest,)]


def test_a_reexported_cost_day_replaces_the_first_export(
    pipeline: PipelineRun, faults: T.PlantedFaults
) -> None:
    (reexport,) = faults.cost_reexports
    files = pipeline.query(
        "select distinct source_file from staging.stg_ads__costs "
        "where cost_date = ? and channel = ?",
        [reexport.date, reexport.channel],
    )
    assert files == [(Path(reexport.second_file).name,)]
    assert _summary(pipeline, "ad_costs")["rows_merged"] >= 1


def test_reference_gaps_are_kept_and_reported(
    pipeline: PipelineRun, faults: T.PlantedFaults
) -> None:
    unregistered = pipeline.query(
        "select call_id, channel, attribution_rule from intermediate.int_calls_attributed "
        "where tracking_number = ?",
        [faults.unregistered_number],
    )
    assert {row[0] for row in unregistered} == set(faults.unregistered_calls)
    assert {row[1:] for row in unregistered} == {("unattributed", "unregistered_number")}

    (no_events,) = faults.leads_without_events
    assert pipeline.query(
        "select has_status_events, current_status from intermediate.int_leads where lead_id = ?",
        [no_events],
    ) == [(False, "new")]

    ((lead, missing_call),) = faults.leads_with_unknown_call
    assert pipeline.query(
        "select call_id from staging.stg_crm__leads where lead_id = ?", [lead]
    ) == [(missing_call,)]
    assert pipeline.query(
        "select count(*) from staging.stg_calltracker__calls where call_id = ?", [missing_call]
    ) == [(0,)]
    warned = " ".join(pipeline.summary["checks_warned"])
    assert "calls_to_unregistered_numbers" in warned
    assert "leads_with_a_call_id_the_tracker_lacks" in warned


def test_every_call_is_attributed_or_counted_as_unattributed(
    pipeline: PipelineRun, faults: T.PlantedFaults
) -> None:
    (staged,) = pipeline.query("select count(*) from staging.stg_calltracker__calls")[0]
    rows = dict(
        pipeline.query(
            "select channel, count(*) from intermediate.int_calls_attributed group by channel"
        )
    )
    assert sum(rows.values()) == staged
    assert None not in rows
    assert rows["unattributed"] == len(faults.unregistered_calls)
    assert set(rows) - {"unattributed", "outbound"} <= set(T.INBOUND_CHANNELS)


def test_a_number_that_moved_channels_attributes_by_date(
    pipeline: PipelineRun, calendar: T.Calendar
) -> None:
    moved = T.MOVED_NUMBER
    moved_on = moved.moved_on(calendar)
    rows = pipeline.query(
        "select call_date >= ? as after_move, channel, campaign, count(*) "
        "from intermediate.int_calls_attributed where tracking_number = ? group by all",
        [moved_on, moved.number],
    )
    by_side = {after: (channel, campaign) for after, channel, campaign, _ in rows}
    assert len(rows) == 2, rows
    assert by_side[False] == (moved.old_channel, moved.old_campaign)
    assert by_side[True] == (moved.new_channel, moved.new_campaign)


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def test_a_second_run_on_the_same_files_changes_nothing(pipeline: PipelineRun) -> None:
    raw_before = _tree_digest(pipeline.raw_dir)
    quarantine_before = _tree_digest(pipeline.quarantine_dir)
    counts_before = pipeline.query(
        "select (select count(*) from staging.stg_calltracker__calls), "
        "(select count(*) from staging.stg_crm__leads), "
        "(select count(*) from intermediate.quarantine)"
    )
    returncode, summary, output = pipeline.materialize()
    assert returncode == 0, output
    assert _tree_digest(pipeline.raw_dir) == raw_before
    assert _tree_digest(pipeline.quarantine_dir) == quarantine_before
    assert (
        pipeline.query(
            "select (select count(*) from staging.stg_calltracker__calls), "
            "(select count(*) from staging.stg_crm__leads), "
            "(select count(*) from intermediate.quarantine)"
        )
        == counts_before
    )
    assert [s["rows_read"] for s in summary["sources"]] == [
        s["rows_read"] for s in pipeline.summary["sources"]
    ]


def test_no_phone_number_reaches_the_marts(pipeline: PipelineRun) -> None:
    # Phone numbers (E.164 after ingestion) stay in staging and intermediate; marts use caller_key.
    assert pipeline.phone_like_values(("staging",))  # the probe does find numbers where they are
    assert pipeline.phone_like_values(("marts", "main")) == []


def test_overlapping_registry_periods_stop_the_build(tmp_path: Path, dbt_manifest: Path) -> None:
    env = pipeline_env(tmp_path)
    landing = Path(env["CALLFUNNEL_LANDING_DIR"])
    shutil.copytree(FIXTURE, landing)
    # The same number claimed by `social` for days `site` already holds.
    (landing / "tracking_numbers" / "zz_overlap.csv").write_text(
        "tracking_number,channel,campaign,number_type,valid_from,valid_to\n"
        "+74952223344,social,tg_posts,static,2026-11-01,2026-11-30\n",
        encoding="utf-8",
    )
    returncode, summary, output = run_materialize(tmp_path, env)
    assert returncode != 0
    assert any("overlap" in name for name in summary["checks_failed"]), output
    # What depends on the registry was not built.
    import duckdb

    with duckdb.connect(env["CALLFUNNEL_WAREHOUSE"], read_only=True) as con:
        tables = {
            row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()
        }
    assert "int_calls_attributed" not in tables
