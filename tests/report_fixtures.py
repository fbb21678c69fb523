"""Builds small synthetic published marts files with planted cases for the report tests."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

# as_of is Friday 2026-11-27: the report week is Monday 2026-11-16 (2026-W47).
AS_OF = "2026-11-27T09:00:00+03:00"
REPORT_MONDAY = date(2026, 11, 16)
WEEKS = 10
PAID = {"context", "targeted", "social", "outdoor"}


@dataclass(frozen=True)
class Chan:
    """One channel-week: calls, quality calls, application calls, spend, wins."""

    calls: int
    quality: int
    app_calls: int
    spend: float = 0.0
    deals_won: int = 0
    revenue: float = 0.0


@dataclass
class Scenario:
    """The channels of the report week and the week before; older weeks repeat the latter."""

    this_week: dict[str, Chan]
    last_week: dict[str, Chan]
    reasons: dict[str, dict[str, int]]  # channel -> reason -> lost leads (None key = not_filled)
    managers: dict[str, list[tuple[int, int, float]]]  # manager -> per week (leads, deals, exp)
    dq: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)


def wilson(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float]:
    if trials == 0:
        return (math.nan, math.nan)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return centre - half, centre + half


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


BASE_LAST = {
    "context": Chan(400, 200, 80, 200_000, 6, 900_000),
    "targeted": Chan(300, 150, 54, 150_000, 4, 500_000),
    "social": Chan(200, 100, 30, 110_000, 2, 200_000),
    "outdoor": Chan(100, 50, 15, 50_000, 1, 90_000),
    "organic": Chan(150, 80, 45, 0, 3, 400_000),
    "site": Chan(40, 20, 8, 0, 1, 80_000),
    "email": Chan(10, 5, 4, 0, 0, 0),
    "unattributed": Chan(20, 8, 2),
    "outbound": Chan(30, 10, 3),
}


def planted() -> Scenario:
    """Every rule has a case to fire on."""
    this_week = dict(BASE_LAST)
    # social: 300 000 / 100 = 3 000 per quality call, 3× the paid median of 1 000.
    this_week["social"] = Chan(200, 100, 30, 300_000, 1, 150_000)
    # outdoor: 25 000 / 50 = 500, below the median.
    this_week["outdoor"] = Chan(100, 50, 15, 25_000, 1, 90_000)
    # organic: 30 % -> 20 %, a 10 pp drop on 150 calls.
    this_week["organic"] = Chan(150, 80, 30, 0, 3, 400_000)
    # email: 40 % -> 10 %, but on 10 calls: too small to tell.
    this_week["email"] = Chan(10, 5, 1)
    reasons = {
        "context": {"price": 20, "competitor": 5, "no_need": 5},
        "targeted": {"price": 10, "competitor": 5, None: 10},
        "social": {"price": 10, "competitor": 5, "no_need": 5, "other": 15},
    }
    managers = {
        "m_alice": [(30, 3, 2.0)] * 4,  # 12 deals vs 8 expected: fine
        "m_boris": [(30, 0, 2.0), (30, 1, 2.0), (30, 1, 2.0), (30, 0, 2.0)],  # 2 vs 8: review
        "m_vera": [(3, 0, 0.25)] * 4,  # 0 vs 1 expected: too small to judge
    }
    dq = [
        dict(
            manager_id="m_alice",
            leads=30,
            status_fill_rate=1.0,
            outcome_fill_rate=1.0,
            score_fill_rate=1.0,
            reason_fill_rate=1.0,
            stale_leads=0,
        ),
        dict(
            manager_id="m_boris",
            leads=30,
            status_fill_rate=0.97,
            outcome_fill_rate=0.95,
            score_fill_rate=0.4,
            reason_fill_rate=0.5,
            stale_leads=3,
        ),
    ]
    checks = [
        dict(
            check="score_filled",
            asset="fct_leads",
            passed=False,
            severity="WARN",
            failed_count=18,
            total_count=90,
            sample=json.dumps(["L-101", "L-102", "L-103", "L-104"]),
        ),
        dict(
            check="tracking_numbers_registered",
            asset="stg_calltracker__calls",
            passed=True,
            severity="WARN",
            failed_count=0,
            total_count=1200,
            sample="",
        ),
    ]
    return Scenario(this_week, dict(BASE_LAST), reasons, managers, dq, checks)


def clean() -> Scenario:
    """Nothing to advise: costs close together, no rate drop, reasons spread, managers on par."""
    this_week = dict(BASE_LAST)
    this_week["email"] = Chan(10, 5, 4)
    # Five reasons nearly even: the top one stays near a fifth of lost leads.
    even = {"price": 3, "competitor": 3, "no_need": 3, "not_target": 3, "no_answer": 3}
    reasons = {c: dict(even) for c in ("context", "targeted", "social", "site")}
    reasons["context"]["price"] = 4
    managers = {
        "m_alice": [(30, 2, 2.0)] * 4,
        "m_boris": [(30, 2, 2.2)] * 4,
    }
    dq = [
        dict(
            manager_id=m,
            leads=30,
            status_fill_rate=1.0,
            outcome_fill_rate=1.0,
            score_fill_rate=1.0,
            reason_fill_rate=1.0,
            stale_leads=0,
        )
        for m in managers
    ]
    checks = [
        dict(
            check="score_filled",
            asset="fct_leads",
            passed=True,
            severity="WARN",
            failed_count=0,
            total_count=90,
            sample="",
        )
    ]
    return Scenario(this_week, dict(BASE_LAST), reasons, managers, dq, checks)


def small() -> Scenario:
    """A week with very few calls: the same planted oddities, scaled down to 1/20."""
    base = planted()

    def shrink(c: Chan) -> Chan:
        return replace(
            c,
            calls=max(1, c.calls // 20),
            quality=c.quality // 20,
            app_calls=c.app_calls // 20,
            spend=c.spend / 20,
        )

    return replace(base, this_week={k: shrink(v) for k, v in base.this_week.items()})


def _channel_rows(
    week: date, channels: dict[str, Chan], previous: dict[str, Chan] | None, maturing: bool
) -> list[dict[str, Any]]:
    rows = []
    for name, c in channels.items():
        missed = c.calls // 10
        short = c.calls // 8
        applications = c.app_calls
        won = applications // 5
        low, high = wilson(c.app_calls, c.calls)
        dlow, dhigh = wilson(won, applications)
        rows.append(
            dict(
                week_start=week,
                channel=name,
                is_paid=name in PAID,
                is_maturing=maturing,
                is_complete=True,
                calls=c.calls,
                answered_calls=c.calls - missed,
                missed_calls=missed,
                short_calls=short,
                quality_calls=c.quality,
                first_time_callers=c.calls // 2,
                application_calls=c.app_calls,
                leads=c.app_calls,
                applications=applications,
                won_applications=won,
                meetings=won,
                deals=won,
                revenue_rub=float(c.revenue),
                deals_won=c.deals_won,
                revenue_won_rub=float(c.revenue),
                spend_rub=float(c.spend),
                answered_talk_seconds=(c.calls - missed) * 125,
                answer_rate=_ratio(c.calls - missed, c.calls),
                quality_call_rate=_ratio(c.quality, c.calls),
                application_rate=_ratio(c.app_calls, c.calls),
                application_rate_low=low,
                application_rate_high=high,
                deal_rate=_ratio(won, applications),
                deal_rate_low=dlow,
                deal_rate_high=dhigh,
                cost_per_call_rub=_ratio(c.spend, c.calls) if c.spend else None,
                cost_per_quality_call_rub=_ratio(c.spend, c.quality) if c.spend else None,
                cac_rub=_ratio(c.spend, c.deals_won) if c.spend else None,
                romi=_ratio(c.revenue - c.spend, c.spend) if c.spend else None,
                avg_talk_seconds=125.0 if c.calls - missed else None,
            )
        )
    return rows


def _summary_row(
    week: date, rows: list[dict[str, Any]], reasons: dict[str, dict], maturing: bool
) -> dict[str, Any]:
    inbound = [r for r in rows if r["channel"] != "outbound"]

    def total(col: str) -> float:
        return sum(r[col] for r in inbound)

    calls, answered = int(total("calls")), int(total("answered_calls"))
    apps, won = int(total("applications")), int(total("won_applications"))
    spend, revenue, deals_won = (
        total("spend_rub"),
        total("revenue_won_rub"),
        int(total("deals_won")),
    )
    low, high = wilson(int(total("application_calls")), calls)
    counts: dict[str | None, int] = {}
    for per_channel in reasons.values():
        for reason, n in per_channel.items():
            counts[reason] = counts.get(reason, 0) + n
    ranked = sorted(
        ((r, n) for r, n in counts.items() if r is not None), key=lambda x: (-x[1], x[0])
    )
    row = dict(
        week_start=week,
        is_maturing=maturing,
        is_complete=True,
        calls=calls,
        answered_calls=answered,
        missed_calls=int(total("missed_calls")),
        short_calls=int(total("short_calls")),
        quality_calls=int(total("quality_calls")),
        unattributed_calls=int(sum(r["calls"] for r in rows if r["channel"] == "unattributed")),
        avg_talk_seconds=_ratio(total("answered_talk_seconds"), answered),
        application_calls=int(total("application_calls")),
        leads=int(total("leads")),
        applications=apps,
        won_applications=won,
        meetings=won,
        deals=won,
        revenue_rub=revenue,
        deals_won=deals_won,
        revenue_won_rub=revenue,
        spend_rub=spend,
        answer_rate=_ratio(answered, calls),
        missed_call_rate=_ratio(total("missed_calls"), calls),
        quality_call_rate=_ratio(total("quality_calls"), calls),
        application_rate=_ratio(total("application_calls"), calls),
        application_rate_low=low,
        application_rate_high=high,
        deal_rate=_ratio(won, apps),
        deal_rate_low=None,
        deal_rate_high=None,
        cac_rub=_ratio(spend, deals_won),
        avg_check_rub=_ratio(revenue, deals_won),
        romi=_ratio(revenue - spend, spend),
        lost_leads=sum(counts.values()),
        lost_leads_without_reason=counts.get(None, 0),
    )
    for i in range(3):
        row[f"top_refusal_reason_{i + 1}"] = ranked[i][0] if i < len(ranked) else None
        row[f"top_refusal_reason_{i + 1}_leads"] = ranked[i][1] if i < len(ranked) else None
    return row


def build_published(path: Path, scenario: Scenario, *, with_quality: bool = True) -> Path:
    """Write a DuckDB file with schema `marts` holding the tables the report reads."""
    channel_rows: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    reason_rows: list[dict[str, Any]] = []
    manager_rows: list[dict[str, Any]] = []
    for i in range(WEEKS):
        week = REPORT_MONDAY - timedelta(weeks=WEEKS - 1 - i)
        is_report = week == REPORT_MONDAY
        channels = scenario.this_week if is_report else scenario.last_week
        # Older weeks wobble a little so the trend chart is not a flat line.
        if not is_report and week != REPORT_MONDAY - timedelta(weeks=1):
            channels = {
                k: replace(v, app_calls=max(0, v.app_calls + (i % 3) - 1))
                for k, v in channels.items()
            }
        maturing = week >= REPORT_MONDAY - timedelta(weeks=3)
        rows = _channel_rows(week, channels, None, maturing)
        channel_rows += rows
        week_reasons = scenario.reasons if is_report else {"context": {"price": 5, "no_need": 4}}
        summaries.append(_summary_row(week, rows, week_reasons, maturing))
        for channel, per_reason in week_reasons.items():
            lost = sum(per_reason.values())
            for reason, n in per_reason.items():
                reason_rows.append(
                    dict(
                        week_start=week,
                        channel=channel,
                        refusal_reason=reason or "not_filled",
                        lost_leads=n,
                        channel_lost_leads=lost,
                        share_of_channel_lost=n / lost,
                    )
                )
        offset = (REPORT_MONDAY - week).days // 7
        for manager, weeks in scenario.managers.items():
            if offset < len(weeks):
                leads, deals, expected = weeks[offset]
                manager_rows.append(
                    dict(
                        week_start=week,
                        manager_id=manager,
                        leads=leads,
                        applications=leads,
                        deals=deals,
                        revenue_rub=deals * 100_000.0,
                        lead_to_deal_rate=deals / leads,
                        expected_deals=expected,
                        expected_lead_to_deal_rate=expected / leads,
                        vs_channel_mix=_ratio(deals, expected),
                        avg_quality_score=4.0,
                    )
                )
    summary = pd.DataFrame(summaries)
    summary["application_rate_change_pp"] = summary["application_rate"].diff() * 100
    summary["deal_rate_change_pp"] = summary["deal_rate"].diff() * 100
    summary["missed_call_rate_change_pp"] = summary["missed_call_rate"].diff() * 100
    tables = {
        "weekly_summary": summary,
        "channel_weekly": pd.DataFrame(channel_rows),
        "refusal_reasons_weekly": pd.DataFrame(reason_rows),
        "manager_weekly": pd.DataFrame(manager_rows),
    }
    if with_quality:
        tables["data_quality_weekly"] = pd.DataFrame(
            [dict(week_start=REPORT_MONDAY, **row) for row in scenario.dq]
        )
        tables["data_quality_results"] = pd.DataFrame(scenario.checks)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with duckdb.connect(path.as_posix()) as con:
        con.execute("create schema marts")
        for name, frame in tables.items():
            con.register("frame", frame)
            con.execute(f"create table marts.{name} as select * from frame")
            con.unregister("frame")
    return path
