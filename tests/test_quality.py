"""Unit tests of the data-quality checks: each passes on a good small frame, fails on a bad one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from orchestration.quality import checks
from orchestration.quality import expectations as gx
from orchestration.quality.config import QualityConfig
from orchestration.quality.outcome import Clock
from orchestration.quality.results import COLUMNS, results_frame

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
