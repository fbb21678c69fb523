"""Unit tests of the data-quality checks: each passes on a good small frame, fails on a bad one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.quality import checks, ledger, loaders
from orchestration.quality import expectations as gx
from orchestration.quality.config import QualityConfig
from orchestration.quality.dagster_checks import evaluate_in_scope
from orchestration.quality.outcome import Clock, WeekTally, tally_by_week, with_earlier_weeks
from orchestration.quality.registry import check_by_key
from orchestration.quality.results import COLUMNS, results_frame, weeks_checked

# Friday 2026-11-27 09:00 Moscow = 06:00 UTC; the last complete week starts Monday 2026-11-16.
CLOCK = Clock(datetime(2026, 11, 27, 6, 0, tzinfo=UTC), "Europe/Moscow")
CONFIG = QualityConfig()
OLD = pd.Timestamp("2026-11-20 10:00")  # a week before as_of: past every grace period
NEW = pd.Timestamp("2026-11-27 05:00")  # an hour before as_of: inside the grace period
NAT = pd.NaT


def frame(**columns: list) -> pd.DataFrame:
    return pd.DataFrame(columns)


# ----------------------------------------------------------------------------- expectations


def test_gx_not_null_passes_and_fails() -> None:
    assert gx.expect_not_null(frame(x=[1, 2]), "x").success
    bad = gx.expect_not_null(frame(x=[1.0, None, None]), "x")
    assert not bad.success and bad.unexpected_count == 2


def test_gx_in_set_passes_and_fails() -> None:
    assert gx.expect_in_set(frame(x=["price", None]), "x", ["price"]).success
    assert not gx.expect_in_set(frame(x=["price", "cheap"]), "x", ["price"]).success


def test_gx_not_in_set_passes_and_fails() -> None:
    assert gx.expect_not_in_set(frame(x=["a"]), "x", ["b"]).success
    assert not gx.expect_not_in_set(frame(x=["a", "b"]), "x", ["b"]).success


def test_gx_between_passes_and_fails() -> None:
    assert gx.expect_between(frame(x=[1, 5]), "x", 1, 5).success
    assert not gx.expect_between(frame(x=[0, 3]), "x", 1, 5).success


def test_gx_mean_at_least_passes_and_fails() -> None:
    assert gx.expect_mean_at_least(frame(x=[1, 1, 0]), "x", 0.5).success
    assert not gx.expect_mean_at_least(frame(x=[1, 0, 0]), "x", 0.5).success


def test_gx_a_not_before_b_passes_and_fails() -> None:
    ok = frame(a=[OLD, NAT], b=[OLD, OLD])
    assert gx.expect_a_not_before_b(ok, "a", "b").success
    bad = frame(a=[OLD - pd.Timedelta(hours=1)], b=[OLD])
    assert not gx.expect_a_not_before_b(bad, "a", "b").success


# ----------------------------------------------------------------------------- managers


def test_lead_status_after_new() -> None:
    leads = frame(
        lead_id=["L1", "L2", "L3"],
        manager_id=["m1", "m2", "m2"],
        created_at=[OLD, OLD, NEW],
        first_progress_at=[OLD, OLD, NAT],  # L3 is still inside the grace period
    )
    assert checks.lead_status_after_new(leads, CONFIG, CLOCK).passed
    leads.loc[1, "first_progress_at"] = NAT
    out = checks.lead_status_after_new(leads, CONFIG, CLOCK)
    assert not out.passed and out.failed_count == 1
    assert out.sample == ("L2",) and out.managers == {"m2": 1} and out.total_count == 2


def _answered_leads(column: str, values: list) -> pd.DataFrame:
    return frame(
        lead_id=["L1", "L2", "L3", "L4"],
        manager_id=["m1", "m2", "m3", "m4"],
        created_at=[OLD, OLD, NEW, OLD],
        call_status=["answered", "answered", "answered", "missed"],
        **{column: values},
    )


def test_call_outcome_filled() -> None:
    # L3 is too young and L4's call was not answered: neither is expected to have an outcome.
    good = _answered_leads("call_outcome", ["application", "refusal", None, None])
    assert checks.call_outcome_filled(good, CONFIG, CLOCK).passed
    bad = _answered_leads("call_outcome", ["application", None, None, None])
    out = checks.call_outcome_filled(bad, CONFIG, CLOCK)
    assert not out.passed and out.sample == ("L2",) and out.managers == {"m2": 1}


def test_quality_score_filled() -> None:
    good = _answered_leads("quality_score", pd.array([4, 2, None, None], dtype="Int64"))
    assert checks.quality_score_filled(good, CONFIG, CLOCK).passed
    bad = _answered_leads("quality_score", pd.array([None, 2, None, None], dtype="Int64"))
    out = checks.quality_score_filled(bad, CONFIG, CLOCK)
    assert not out.passed and out.sample == ("L1",) and out.managers == {"m1": 1}


@pytest.mark.parametrize("bad_score", [0, 6, 2.5])
def test_quality_score_valid(bad_score: float) -> None:
    good = frame(lead_id=["L1", "L2", "L3"], manager_id=["m1"] * 3, quality_score=[1, 5, None])
    assert checks.quality_score_valid(good, CONFIG, CLOCK).passed
    bad = frame(lead_id=["L1", "L2"], manager_id=["m1", "m2"], quality_score=[3, bad_score])
    out = checks.quality_score_valid(bad, CONFIG, CLOCK)
    assert not out.passed and out.sample == ("L2",) and out.managers == {"m2": 1}


REASONS = ["price", "other"]


def _lost(reasons: list) -> pd.DataFrame:
    return frame(
        lead_id=["L1", "L2", "L3", "L4"],
        manager_id=["m1", "m2", "m3", "m4"],
        is_lost=[True, True, True, False],
        lost_at=[OLD, OLD, NEW, NAT],
        refusal_reason=reasons,
    )


def test_lost_leads_have_reason() -> None:
    assert checks.lost_leads_have_reason(
        _lost(["price", "other", None, None]), REASONS, CONFIG, CLOCK
    ).passed
    missing = checks.lost_leads_have_reason(
        _lost(["price", None, None, None]), REASONS, CONFIG, CLOCK
    )
    assert not missing.passed and missing.sample == ("L2",) and missing.managers == {"m2": 1}
    unknown = checks.lost_leads_have_reason(
        _lost(["cheap", "price", None, None]), REASONS, CONFIG, CLOCK
    )
    assert not unknown.passed and unknown.details["unknown_reason"] == 1


def test_won_leads_have_amount() -> None:
    won = frame(
        lead_id=["L1", "L2", "L3"],
        manager_id=["m1", "m2", "m3"],
        is_won=[True, True, False],
        won_at=[OLD, NEW, NAT],
        amount=[1000.0, None, None],
    )
    assert checks.won_leads_have_amount(won, CONFIG, CLOCK).passed
    won.loc[0, "amount"] = None
    out = checks.won_leads_have_amount(won, CONFIG, CLOCK)
    assert not out.passed and out.sample == ("L1",) and out.managers == {"m1": 1}


def test_stale_leads() -> None:
    long_ago = CLOCK.now_utc - pd.Timedelta(days=20)
    leads = frame(
        lead_id=["L1", "L2", "L3", "L4"],
        manager_id=["m1", "m2", "m3", "m4"],
        is_won=[False, True, False, False],
        is_lost=[False, False, False, False],
        # L4 never left `new`: that is lead_status_after_new's finding, not a stale lead
        first_progress_at=[OLD, long_ago, OLD, NAT],
        last_status_changed_at=[OLD, long_ago, OLD, long_ago],
    )
    assert checks.stale_leads(leads, CONFIG, CLOCK).passed
    leads.loc[2, "last_status_changed_at"] = long_ago
    out = checks.stale_leads(leads, CONFIG, CLOCK)
    assert not out.passed and out.sample == ("L3",) and out.managers == {"m3": 1}


def test_status_history_plausible_counts_reopens_without_failing() -> None:
    leads = frame(
        lead_id=["L1", "L2"],
        manager_id=["m1", "m2"],
        created_at=[OLD, OLD],
        first_status_changed_at=[OLD, NAT],
        reopen_count=[1, 0],
        stage_step_back_count=[2, 0],
    )
    out = checks.status_history_plausible(leads, CONFIG, CLOCK)
    assert out.passed
    assert out.details["reopened_leads"] == 1 and out.details["steps_back"] == 2
    leads.loc[1, "first_status_changed_at"] = OLD - pd.Timedelta(minutes=5)
    bad = checks.status_history_plausible(leads, CONFIG, CLOCK)
    assert not bad.passed and bad.sample == ("L2",) and bad.managers == {"m2": 1}


# ----------------------------------------------------------------------------- sources agree


def test_calls_to_registered_numbers() -> None:
    calls = frame(
        call_id=["C1", "C2", "C3"],
        tracking_number=["+74950000001", "+74950000002", "+74950000002"],
        call_date=[date(2026, 11, 2)] * 3,
        attribution_rule=["static_number", "dynamic_utm", "dynamic_utm"],
    )
    assert checks.calls_to_registered_numbers(calls, CONFIG, CLOCK).passed
    calls["attribution_rule"] = ["static_number", "unregistered_number", "unregistered_number"]
    out = checks.calls_to_registered_numbers(calls, CONFIG, CLOCK)
    assert not out.passed and out.failed_count == 2 and out.sample == ("C2", "C3")
    assert out.details["unregistered_numbers"]["+74950000002"]["calls"] == 2


def _quality_calls(has_lead: list[bool]) -> pd.DataFrame:
    n = len(has_lead)
    return frame(
        call_id=[f"C{i}" for i in range(n)],
        manager_id=["m1"] * n,
        started_at=[OLD] * n,
        call_status=["answered"] * n,
        is_first_time_caller=[True] * n,
        talk_seconds=[120] * n,
        has_lead=has_lead,
    )


def test_answered_calls_have_lead_card() -> None:
    good = _quality_calls([True, True, False])
    # short, repeat and missed calls do not count against the share
    extra = _quality_calls([False, False, False])
    extra["talk_seconds"] = [10, 120, 120]
    extra["is_first_time_caller"] = [True, False, True]
    extra["call_status"] = ["answered", "answered", "missed"]
    assert checks.answered_calls_have_lead_card(pd.concat([good, extra]), CONFIG, CLOCK).passed
    out = checks.answered_calls_have_lead_card(_quality_calls([True, False, False]), CONFIG, CLOCK)
    assert not out.passed and out.details["card_share"] == pytest.approx(1 / 3, abs=1e-3)
    assert out.sample == ("C1", "C2")


def test_leads_reference_known_calls() -> None:
    leads = frame(
        lead_id=["L1", "L2", "L3"],
        manager_id=["m1", "m2", "m3"],
        call_id=["C1", "C2", None],
        call_known=[True, True, False],
    )
    assert checks.leads_reference_known_calls(leads, CONFIG, CLOCK).passed
    leads.loc[1, "call_known"] = False
    out = checks.leads_reference_known_calls(leads, CONFIG, CLOCK)
    assert not out.passed and out.sample == ("L2",) and out.managers == {"m2": 1}
    assert out.details["unknown_calls"] == {"L2": "C2"}


def _channel_weeks(outdoor_calls: int, outdoor_spend: float) -> pd.DataFrame:
    week = pd.Timestamp("2026-11-09")
    return frame(
        week_start=[week, week, week],
        channel=["context", "outdoor", "organic"],
        is_paid=[True, True, False],
        calls=[10, outdoor_calls, 5],
        spend_rub=[1000.0, outdoor_spend, 0.0],
    )


def test_paid_channels_with_calls_have_spend() -> None:
    assert checks.paid_channels_with_calls_have_spend(_channel_weeks(4, 50.0), CONFIG, CLOCK).passed
    out = checks.paid_channels_with_calls_have_spend(_channel_weeks(4, 0.0), CONFIG, CLOCK)
    assert not out.passed and out.sample == ("outdoor in week 2026-11-09",)


def test_paid_spend_has_calls() -> None:
    assert checks.paid_spend_has_calls(_channel_weeks(4, 50.0), CONFIG, CLOCK).passed
    out = checks.paid_spend_has_calls(_channel_weeks(0, 50.0), CONFIG, CLOCK)
    assert not out.passed and out.sample == ("outdoor in week 2026-11-09",)


# ----------------------------------------------------------------------------- freshness, volume


def test_source_is_fresh() -> None:
    fresh = frame(newest=[CLOCK.now_utc - pd.Timedelta(days=5)], rows=[10])
    assert checks.source_is_fresh(fresh, CONFIG, CLOCK).passed
    stale = frame(newest=[CLOCK.now_utc - pd.Timedelta(days=12)], rows=[10])
    assert not checks.source_is_fresh(stale, CONFIG, CLOCK).passed
    empty = frame(newest=[NAT], rows=[0])
    assert not checks.source_is_fresh(empty, CONFIG, CLOCK).passed


def _weekly(last: int, weeks: int = 5) -> pd.DataFrame:
    mondays = pd.date_range(end="2026-11-16", periods=weeks, freq="7D")
    return frame(week_start=list(mondays), rows=[100] * (weeks - 1) + [last])


def test_weekly_volume_holds() -> None:
    assert checks.weekly_volume_holds(_weekly(60), CONFIG, CLOCK).passed
    out = checks.weekly_volume_holds(_weekly(40), CONFIG, CLOCK)
    assert not out.passed and out.details["ratio"] == pytest.approx(0.4)
    # without four earlier weeks the check waits
    assert checks.weekly_volume_holds(_weekly(0, weeks=3), CONFIG, CLOCK).passed


# ----------------------------------------------------------------------------- config, results


def test_config_from_env_overrides_and_validates() -> None:
    config = QualityConfig.from_env(
        {"CALLFUNNEL_DQ_GRACE_HOURS": "24", "CALLFUNNEL_DQ_SAMPLE_SIZE": "5"}
    )
    assert config.grace_hours == 24.0 and config.sample_size == 5
    assert config.stale_days == QualityConfig().stale_days
    with pytest.raises(ValueError):
        QualityConfig.from_env({"CALLFUNNEL_DQ_CARD_SHARE_MIN": "1.5"})
    with pytest.raises(ValueError):
        QualityConfig.from_env({"CALLFUNNEL_DQ_STALE_DAYS": "soon"})


def test_sample_is_bounded() -> None:
    n = 50
    leads = frame(
        lead_id=[f"L{i:03d}" for i in range(n)],
        manager_id=["m1"] * n,
        created_at=[OLD] * n,
        first_progress_at=[NAT] * n,
    )
    out = checks.lead_status_after_new(leads, QualityConfig(sample_size=7), CLOCK)
    assert out.failed_count == n and len(out.sample) == 7 and out.sample[0] == "L000"


def test_results_frame_has_documented_schema() -> None:
    row = {
        "checked_at": datetime(2026, 11, 27, 6, 1, tzinfo=UTC),
        "check_name": "stale_leads",
        "asset_key": "intermediate/int_leads",
        "origin": "callfunnel",
        "passed": False,
        "severity": "WARN",
        "failed_count": 3,
        "total_count": 200,
        "threshold": "at most 0",
        "summary": "3 stale",
        "sample": '["L1"]',
        "managers": '{"m05": 3}',
        "details": "{}",
    }
    dbt_row = {**row, "check_name": "not_null_x", "origin": "dbt", "total_count": None}
    out = results_frame([row, dbt_row], "run-1", CLOCK.as_of)
    assert list(out.columns) == list(COLUMNS)
    assert out["run_id"].eq("run-1").all() and out["total_count"].isna().sum() == 1


# ----------------------------------------------------------------------------- weeks


def test_gx_validates_the_named_columns_of_a_wide_frame() -> None:
    wide = frame(x=[1.0, None], other=["a", None], more=[None, None])
    result = gx.expect_not_null(wide, "x")
    assert not result.success and result.unexpected_count == 1 and result.element_count == 2


W1, W2, W3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)


def test_a_weekly_check_tallies_its_rows_by_week() -> None:
    leads = frame(
        lead_id=["L4", "L1", "L2", "L3", "L5"],
        manager_id=["m2", "m1", "m2", "m1", None],
        created_at=[OLD] * 5,
        first_progress_at=[NAT, NAT, NAT, OLD, NAT],
        week_start=pd.to_datetime([W1, W1, W2, W2, W2]),
    )
    out = checks.lead_status_after_new(leads, CONFIG, CLOCK)
    assert out.failed_count == 4 and out.total_count == 5
    assert out.weeks == (
        WeekTally(W1, 2, 2, ("L1", "L4"), {"m1": 1, "m2": 1}),
        WeekTally(W2, 2, 3, ("L2", "L5"), {"(none)": 1, "m2": 1}),
    )
    # rows without a week (a frame built by hand) are not tallied
    assert checks.lead_status_after_new(leads.drop(columns="week_start"), CONFIG, CLOCK).weeks == ()


def test_tallies_keep_a_sorted_sample_per_week() -> None:
    rows = frame(id=["c", "a", "b", "a"], week_start=[W1] * 4)
    (tally,) = tally_by_week(rows, pd.Series([True] * 4), rows["id"], size=2)
    assert tally.sample == ("a", "b") and tally.failed_count == 4 and tally.managers == {}


def test_earlier_weeks_add_to_the_weeks_a_run_inspected() -> None:
    window = frame(
        lead_id=["L7", "L8"],
        manager_id=["m1", "m1"],
        created_at=[OLD, OLD],
        first_progress_at=[OLD, OLD],
        week_start=pd.to_datetime([W3, W3]),
    )
    out = checks.lead_status_after_new(window, CONFIG, CLOCK)
    assert out.passed
    earlier = [WeekTally(W1, 1, 4, ("L2",), {"m2": 1}), WeekTally(W2, 0, 3)]
    joined = with_earlier_weeks(out, earlier, W3, 20, lambda failed, total: failed == 0)
    assert not joined.passed
    assert (joined.failed_count, joined.total_count) == (1, 9)
    assert joined.sample == ("L2",) and joined.managers == {"m2": 1}
    assert joined.details["earlier_weeks"]["failing_weeks"] == [W1.isoformat()]
    # the weekly tallies stay this run's own: the ledger replaces only the weeks inspected
    assert joined.weeks == out.weeks and joined.details["checked_from"] == W3.isoformat()


def test_a_share_check_passes_on_the_share_of_every_week() -> None:
    calls = _quality_calls([True, False, False])  # 1 of 3 this week: below the floor of 0.5
    calls["week_start"] = pd.Timestamp(W3)
    out = checks.answered_calls_have_lead_card(calls, CONFIG, CLOCK)
    assert not out.passed and out.weeks == (WeekTally(W3, 2, 3, ("C1", "C2"), {"m1": 2}),)
    card = check_by_key("intermediate/int_calls_attributed", "answered_calls_have_lead_card")
    earlier = [WeekTally(W1, 0, 7)]  # 8 of 10 calls over both weeks have a card
    joined = with_earlier_weeks(
        out, earlier, W3, 20, lambda failed, total: card.passes(failed, total, CONFIG)
    )
    assert joined.passed and joined.sample == ()
    assert (joined.failed_count, joined.total_count) == (2, 10)


def test_ledger_replaces_the_inspected_weeks_and_keeps_the_earlier_ones(tmp_path: Path) -> None:
    at = datetime(2026, 11, 27, 6, tzinfo=UTC)
    first = [
        ledger.WeeksChecked("a/b", "c", None, (WeekTally(W1, 1, 2, ("x",), {"m": 1}),)),
        ledger.WeeksChecked("a/b", "d", None, (WeekTally(W1, 0, 5), WeekTally(W2, 0, 5))),
    ]
    kept = ledger.updated(ledger.read(tmp_path), first, "run-1", at)
    ledger.write(kept, tmp_path)
    again = [ledger.WeeksChecked("a/b", "d", W2, (WeekTally(W2, 1, 6), WeekTally(W3, 0, 1)))]
    kept = ledger.updated(ledger.read(tmp_path), again, "run-2", at)
    assert ledger.tallies_of(kept, "a/b", "d") == [
        WeekTally(W1, 0, 5),
        WeekTally(W2, 1, 6),
        WeekTally(W3, 0, 1),
    ]
    assert ledger.tallies_of(kept, "a/b", "c") == [WeekTally(W1, 1, 2, ("x",), {"m": 1})]
    assert kept.loc[kept["week_start"] == pd.Timestamp(W1), "run_id"].tolist() == ["run-1"] * 2
    # a run over every week leaves nothing of the earlier weeks
    full = [ledger.WeeksChecked("a/b", "d", None, (WeekTally(W3, 0, 2),))]
    assert ledger.tallies_of(ledger.updated(kept, full, "run-3", at), "a/b", "d") == [
        WeekTally(W3, 0, 2)
    ]


def test_results_pass_each_weekly_check_scope_to_the_ledger() -> None:
    rows = [
        {"asset_key": "intermediate/int_leads", "check_name": "stale_leads", "checked_from": None},
        {
            "asset_key": "intermediate/int_leads",
            "check_name": "won_leads_have_amount",
            "checked_from": "2026-11-09",
            "weeks": [WeekTally(W2, 0, 1)],
        },
        {"asset_key": "marts/x", "check_name": "not_null_x", "checked_from": None},
    ]
    assert weeks_checked(rows) == [
        ledger.WeeksChecked(
            "intermediate/int_leads", "won_leads_have_amount", W2, (WeekTally(W2, 0, 1),)
        )
    ]


# ----------------------------------------------------------------------------- loaders

# A warehouse of three weeks: W1 lies before the weeks a run rewrote (from W2 on).
TINY_WAREHOUSE = """
create schema intermediate;
create schema staging;
create table staging.crm_statuses as
    select * from (values ('new', 1), ('contacted', 2), ('won', 6), ('lost', null))
    as t(status, stage_order);
create table staging.channels as
    select * from (values ('context', true), ('organic', false)) as t(channel, is_paid);
create table staging.refusal_reasons as select 'price' as refusal_reason;
create table intermediate.int_leads as
    select * from (values
        -- first_progress_at as int_leads derives it from the status events below
        ('L1', 'm1', timestamp '2026-11-03 10:00', date '2026-11-02', 'C1', 'C1',
            false, false, null::timestamp, null::timestamp, null::decimal(18, 4),
            timestamp '2026-11-04 10:00'),
        ('L2', 'm2', timestamp '2026-11-10 10:00', date '2026-11-09', 'C1', 'C1',
            true, false, timestamp '2026-11-12 10:00', null, null, timestamp '2026-10-30 10:00'),
        ('L3', 'm1', timestamp '2026-11-17 10:00', date '2026-11-16', null, 'C9',
            false, false, null, null, null, null),
        ('L4', 'm2', timestamp '2026-11-11 10:00', date '2026-11-09', 'C3', 'C3',
            false, false, null, null, null, timestamp '2026-10-20 10:00')
    ) as t(lead_id, manager_id, created_at, week_start, call_id, recorded_call_id,
        is_won, is_lost, won_at, lost_at, amount, first_progress_at);
create table staging.stg_crm__leads as
    select lead_id, null::varchar as refusal_reason from intermediate.int_leads;
create table intermediate.int_crm__status_events_known as
    select * from (values
        -- L2's progress dates from before the weeks rewritten; L1 is closed after its int_leads
        -- row was written, and L4 is open and in work since October
        ('L2', timestamp '2026-10-30 10:00', 2, false, false),
        ('L2', timestamp '2026-11-12 10:00', 6, true, false),
        ('L1', timestamp '2026-11-04 10:00', 2, false, false),
        ('L1', timestamp '2026-11-20 10:00', null, false, true),
        ('L4', timestamp '2026-10-20 10:00', 2, false, false)
    ) as t(lead_id, changed_at, stage_order, is_won, is_lost);
create table intermediate.int_calls_attributed as
    select * from (values
        ('C1', date '2026-11-02', timestamp '2026-11-03 09:00', 'inbound', 'answered', 'm1',
            true, 90, '+7495', date '2026-11-03', 'static_number', 'context'),
        ('C2', date '2026-11-09', timestamp '2026-11-10 09:00', 'inbound', 'answered', 'm2',
            true, 90, '+7496', date '2026-11-10', 'unregistered_number', 'unattributed'),
        ('C3', date '2026-11-09', timestamp '2026-11-11 09:00', 'inbound', 'answered', 'm2',
            true, 90, '+7495', date '2026-11-11', 'static_number', 'context'),
        ('C4', date '2026-11-16', timestamp '2026-11-17 09:00', 'outbound', 'answered', 'm1',
            null, 90, '+7495', date '2026-11-17', 'outbound', 'outbound')
    ) as t(call_id, week_start, started_at, direction, call_status, manager_id,
        is_first_time_caller, talk_seconds, tracking_number, call_date, attribution_rule,
        channel);
create table intermediate.int_lead_calls as
    select * from (values ('L2', 'C1'), ('L4', 'C3')) as t(lead_id, call_id);
create table intermediate.int_ads__costs_known as
    select * from (values
        (date '2026-11-02', 'context', 100.0), (date '2026-11-09', 'context', 0.0)
    ) as t(week_start, channel, spend_rub);
create table staging.stg_calltracker__calls as select * from intermediate.int_calls_attributed;
"""


@pytest.fixture(scope="module")
def tiny_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "warehouse.duckdb"
    with duckdb.connect(path.as_posix()) as con:
        con.execute(TINY_WAREHOUSE)
    return path


def test_lead_loader_reads_the_weeks_from_since_and_their_history(
    tiny_warehouse: Path,
) -> None:
    with loaders.read_only(tiny_warehouse) as con:
        every = loaders.leads(con, ["lead_id", "first_progress_at"])
        recent = loaders.leads(con, ["lead_id", "first_progress_at", "call_status"], W2)
        answered = loaders.leads(con, ["lead_id"], W2, "{call_status} = 'answered'")
    assert sorted(every["lead_id"]) == ["L1", "L2", "L3", "L4"]
    recent = recent.set_index("lead_id").sort_index()
    assert list(recent.index) == ["L2", "L3", "L4"]
    # L2's first progress (int_leads') is older than the weeks inspected: it still counts
    assert recent.loc["L2", "first_progress_at"] == pd.Timestamp("2026-10-30 10:00")
    assert pd.isna(recent.loc["L3", "first_progress_at"])
    assert recent.loc["L2", "call_status"] == "answered"  # its call is from week W1
    assert sorted(answered["lead_id"]) == ["L2", "L4"]
    assert set(pd.to_datetime(recent["week_start"]).dt.date) == {W2, W3}


def test_call_and_channel_loaders_read_the_weeks_from_since(tiny_warehouse: Path) -> None:
    clock = Clock(datetime(2026, 11, 27, 6, tzinfo=UTC), "Europe/Moscow")
    with loaders.read_only(tiny_warehouse) as con:
        assert sorted(loaders.inbound_calls(con, W2)["call_id"]) == ["C2", "C3"]
        assert len(loaders.inbound_calls(con)) == 3
        quality = loaders.quality_calls(con, CONFIG, clock, W2).set_index("call_id")
        links = loaders.lead_call_ids(con, W2).set_index("lead_id")
        weeks = loaders.channel_weeks(con, clock, W2)
    assert quality["has_lead"].to_dict() == {"C2": False, "C3": True}
    # L2 names C1, a call of week W1: known; L3 names a call the tracker lacks
    assert links["call_known"].to_dict() == {"L2": True, "L3": False, "L4": True}
    assert set(pd.to_datetime(weeks["week_start"]).dt.date) == {W2}
    assert weeks.set_index("channel")["calls"].to_dict() == {"context": 1, "unattributed": 1}


def test_open_leads_are_read_from_their_current_status_history(tiny_warehouse: Path) -> None:
    with loaders.read_only(tiny_warehouse) as con:
        open_leads = loaders.open_leads_in_work(con)
    # L1's row in int_leads is open, but a later event lost it; L3 has no status yet
    assert open_leads["lead_id"].tolist() == ["L4"]
    assert open_leads["last_status_changed_at"].tolist() == [pd.Timestamp("2026-10-20 10:00")]


def test_volume_reads_weekly_counts_of_the_compared_weeks(tiny_warehouse: Path) -> None:
    clock = Clock(datetime(2026, 11, 27, 6, tzinfo=UTC), "Europe/Moscow")
    config = QualityConfig(volume_baseline_weeks=1)
    with loaders.read_only(tiny_warehouse) as con:
        weekly = loaders.weekly_rows(con, "calls", clock, config)
        newest = loaders.newest_record(con, "calls", clock)
    # the last complete week (W3), the one week before it, and the first week with data
    weeks = pd.to_datetime(weekly["week_start"]).dt.date
    assert dict(zip(weeks, weekly["rows"], strict=True)) == {W1: 1, W2: 2, W3: 1}
    assert newest.iloc[0].tolist() == [pd.Timestamp("2026-11-17 09:00"), 4]


def test_a_weekly_check_without_kept_weeks_inspects_every_week(tiny_warehouse: Path) -> None:
    clock = Clock(datetime(2026, 11, 27, 6, tzinfo=UTC), "Europe/Moscow")
    check = check_by_key("intermediate/int_leads", "won_leads_have_amount")
    out, since = evaluate_in_scope(check, tiny_warehouse, CONFIG, clock, W2, ledger.empty())
    assert since is None and out.failed_count == 1 and out.sample == ("L2",)
    # with W1's tally kept, the run reads the weeks from W2 on and adds W1's
    w1 = ledger.WeeksChecked(check.asset_string, check.name, None, (WeekTally(W1, 1, 1, ("L0",)),))
    kept = ledger.updated(
        ledger.empty(),
        [w1],
        "run-1",
        datetime(2026, 11, 20, tzinfo=UTC),
    )
    out, since = evaluate_in_scope(check, tiny_warehouse, CONFIG, clock, W2, kept)
    assert since == W2 and (out.failed_count, out.total_count) == (2, 2)
    assert out.sample == ("L0", "L2") and out.weeks == (WeekTally(W2, 1, 1, ("L2",), {"m2": 1}),)
