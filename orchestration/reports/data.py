"""Reads one week's figures from the published marts into plain dataclasses (never staging)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from orchestration.reports.weeks import ReportWeek
from orchestration.settings import PROJECT_ROOT

SCHEMA = "marts"
SEEDS_DIR = PROJECT_ROOT / "seeds"
NOT_FILLED = "not_filled"
# Channels that are not ad channels: they appear in tables but not in channel rankings.
NON_RANKED_CHANNELS = frozenset({"outbound", "unattributed"})


@dataclass(frozen=True)
class WeekFigures:
    """One row of `weekly_summary`: inbound calls of a week, both week views."""

    week_start: date
    calls: int
    quality_calls: int
    answered_calls: int
    missed_calls: int
    short_calls: int
    unattributed_calls: int
    avg_talk_seconds: float | None
    application_calls: int
    application_rate: float | None
    application_rate_low: float | None
    application_rate_high: float | None
    applications: int
    won_applications: int
    deal_rate: float | None
    is_maturing: bool
    deals_won: int
    revenue_won_rub: float
    spend_rub: float
    cac_rub: float | None
    romi: float | None
    missed_call_rate: float | None
    application_rate_change_pp: float | None
    deal_rate_change_pp: float | None
    missed_call_rate_change_pp: float | None
    lost_leads: int
    lost_leads_without_reason: int
    top_reasons: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ChannelFigures:
    """One row of `channel_weekly`, with the same channel's application rate a week earlier."""

    channel: str
    is_paid: bool
    calls: int
    quality_calls: int
    missed_calls: int
    short_calls: int
    application_calls: int
    application_rate: float | None
    application_rate_low: float | None
    application_rate_high: float | None
    applications: int
    won_applications: int
    deal_rate: float | None
    deal_rate_low: float | None
    deal_rate_high: float | None
    deals_won: int
    revenue_won_rub: float
    spend_rub: float
    cost_per_quality_call_rub: float | None
    previous_calls: int | None = None
    previous_application_rate: float | None = None

    @property
    def application_rate_change_pp(self) -> float | None:
        if self.application_rate is None or self.previous_application_rate is None:
            return None
        return (self.application_rate - self.previous_application_rate) * 100


@dataclass(frozen=True)
class ReasonFigures:
    """Leads of one channel lost in the week for one reason (`refusal_reasons_weekly`)."""

    channel: str
    reason: str
    lost_leads: int
    channel_lost_leads: int
    share_of_channel_lost: float | None


@dataclass(frozen=True)
class ManagerFigures:
    """A manager over the rule's window of cohort weeks (`manager_weekly`, summed)."""

    manager_id: str
    leads: int
    deals: int
    expected_deals: float
    weeks: int
    week_vs_channel_mix: float | None

    @property
    def vs_channel_mix(self) -> float | None:
        return self.deals / self.expected_deals if self.expected_deals else None


@dataclass(frozen=True)
class ManagerQuality:
    """One manager's CRM fill rates for the week (`data_quality_weekly`)."""

    manager_id: str
    leads: int
    status_fill_rate: float | None
    outcome_fill_rate: float | None
    score_fill_rate: float | None
    reason_fill_rate: float | None
    stale_leads: int


@dataclass(frozen=True)
class CheckResult:
    """One data-quality check's latest outcome (`data_quality_results`)."""

    check: str
    asset: str
    passed: bool
    severity: str
    failed_count: int | None
    total_count: int | None
    sample: str


@dataclass(frozen=True)
class Names:
    """Display names from the seeds (`seeds/*.csv` of the repository), per language."""

    channels: dict[str, dict[str, str]] = field(default_factory=dict)
    reasons: dict[str, dict[str, str]] = field(default_factory=dict)
    statuses: dict[str, dict[str, str]] = field(default_factory=dict)
    paid: dict[str, bool] = field(default_factory=dict)
    channel_order: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows for one week; `None`/empty where the marts have nothing."""

    week: ReportWeek
    summary: WeekFigures | None
    previous: WeekFigures | None
    trend: list[WeekFigures]
    channels: list[ChannelFigures]
    reasons: list[ReasonFigures]
    managers: list[ManagerFigures]
    manager_quality: list[ManagerQuality] | None
    checks: list[CheckResult] | None
    latest_published_week: date | None
    names: Names


def _read_seed(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_names(seeds_dir: Path = SEEDS_DIR) -> Names:
    """Channel, refusal-reason and status display names from the seed CSVs."""
    names = Names()
    for row in _read_seed(seeds_dir / "channels.csv"):
        key = row["channel"]
        names.channels[key] = {"ru": row["display_name_ru"], "en": row["display_name_en"]}
        names.paid[key] = row.get("is_paid", "").strip().lower() == "true"
        names.channel_order[key] = int(row.get("sort_order") or 99)
    for row in _read_seed(seeds_dir / "refusal_reasons.csv"):
        key = row["refusal_reason"]
        names.reasons[key] = {"ru": row["display_name_ru"], "en": row["display_name_en"]}
    names.reasons.setdefault(NOT_FILLED, {"ru": "Причина не указана", "en": "Reason not filled"})
    for row in _read_seed(seeds_dir / "crm_statuses.csv"):
        key = row["status"]
        names.statuses[key] = {"ru": row["display_name_ru"], "en": row["display_name_en"]}
    return names


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where schema_name = ? "
        "union select view_name from duckdb_views() where schema_name = ?",
        [SCHEMA, SCHEMA],
    ).fetchall()
    return {name for (name,) in rows}


def _week_figures(row: dict[str, Any]) -> WeekFigures:
    reasons = tuple(
        (row[f"top_refusal_reason_{i}"], _int(row.get(f"top_refusal_reason_{i}_leads")))
        for i in (1, 2, 3)
        if row.get(f"top_refusal_reason_{i}")
    )
    return WeekFigures(
        week_start=row["week_start"],
        calls=_int(row["calls"]),
        quality_calls=_int(row["quality_calls"]),
        answered_calls=_int(row.get("answered_calls")),
        missed_calls=_int(row["missed_calls"]),
        short_calls=_int(row["short_calls"]),
        unattributed_calls=_int(row["unattributed_calls"]),
        avg_talk_seconds=_num(row["avg_talk_seconds"]),
        application_calls=_int(row["application_calls"]),
        application_rate=_num(row["application_rate"]),
        application_rate_low=_num(row.get("application_rate_low")),
        application_rate_high=_num(row.get("application_rate_high")),
        applications=_int(row["applications"]),
        won_applications=_int(row["won_applications"]),
        deal_rate=_num(row["deal_rate"]),
        is_maturing=bool(row["is_maturing"]),
        deals_won=_int(row["deals_won"]),
        revenue_won_rub=_num(row["revenue_won_rub"]) or 0.0,
        spend_rub=_num(row["spend_rub"]) or 0.0,
        cac_rub=_num(row["cac_rub"]),
        romi=_num(row["romi"]),
        missed_call_rate=_num(row.get("missed_call_rate")),
        application_rate_change_pp=_num(row.get("application_rate_change_pp")),
        deal_rate_change_pp=_num(row.get("deal_rate_change_pp")),
        missed_call_rate_change_pp=_num(row.get("missed_call_rate_change_pp")),
        lost_leads=_int(row.get("lost_leads")),
        lost_leads_without_reason=_int(row.get("lost_leads_without_reason")),
        top_reasons=reasons,
    )


def _channels(
    con: duckdb.DuckDBPyConnection, week: ReportWeek, names: Names
) -> list[ChannelFigures]:
    this_week = _rows(
        con, f"select * from {SCHEMA}.channel_weekly where week_start = ?", [week.monday]
    )
    before = {
        row["channel"]: row
        for row in _rows(
            con,
            f"select * from {SCHEMA}.channel_weekly where week_start = ?",
            [week.previous().monday],
        )
    }
    channels = []
    for row in this_week:
        prev = before.get(row["channel"])
        paid = row.get("is_paid")
        channels.append(
            ChannelFigures(
                channel=row["channel"],
                is_paid=bool(names.paid.get(row["channel"], False) if paid is None else paid),
                calls=_int(row["calls"]),
                quality_calls=_int(row["quality_calls"]),
                missed_calls=_int(row["missed_calls"]),
                short_calls=_int(row["short_calls"]),
                application_calls=_int(row["application_calls"]),
                application_rate=_num(row["application_rate"]),
                application_rate_low=_num(row["application_rate_low"]),
                application_rate_high=_num(row["application_rate_high"]),
                applications=_int(row["applications"]),
                won_applications=_int(row["won_applications"]),
                deal_rate=_num(row["deal_rate"]),
                deal_rate_low=_num(row["deal_rate_low"]),
                deal_rate_high=_num(row["deal_rate_high"]),
                deals_won=_int(row["deals_won"]),
                revenue_won_rub=_num(row["revenue_won_rub"]) or 0.0,
                spend_rub=_num(row["spend_rub"]) or 0.0,
                cost_per_quality_call_rub=_num(row["cost_per_quality_call_rub"]),
                previous_calls=None if prev is None else _int(prev["calls"]),
                previous_application_rate=None if prev is None else _num(prev["application_rate"]),
            )
        )
    channels.sort(key=lambda c: (names.channel_order.get(c.channel, 99), c.channel))
    return channels


def _managers(
    con: duckdb.DuckDBPyConnection, week: ReportWeek, window_weeks: int
) -> list[ManagerFigures]:
    rows = _rows(
        con,
        f"""
        select manager_id,
               sum(leads) as leads,
               sum(deals) as deals,
               sum(coalesce(expected_deals, 0)) as expected_deals,
               count(*) as weeks,
               max(case when week_start = ? then vs_channel_mix end) as week_vs_channel_mix
        from {SCHEMA}.manager_weekly
        where week_start > ? and week_start <= ? and manager_id is not null
        group by manager_id
        order by manager_id
        """,
        [week.monday, week.previous(window_weeks).monday, week.monday],
    )
    return [
        ManagerFigures(
            manager_id=str(row["manager_id"]),
            leads=_int(row["leads"]),
            deals=_int(row["deals"]),
            expected_deals=float(row["expected_deals"] or 0.0),
            weeks=_int(row["weeks"]),
            week_vs_channel_mix=_num(row["week_vs_channel_mix"]),
        )
        for row in rows
    ]


def _manager_quality(con: duckdb.DuckDBPyConnection, week: ReportWeek) -> list[ManagerQuality]:
    rows = _rows(
        con,
        f"select * from {SCHEMA}.data_quality_weekly where week_start = ? order by manager_id",
        [week.monday],
    )
    return [
        ManagerQuality(
            manager_id=str(row.get("manager_id")),
            leads=_int(row.get("leads")),
            status_fill_rate=_num(row.get("status_fill_rate")),
            outcome_fill_rate=_num(row.get("outcome_fill_rate")),
            score_fill_rate=_num(row.get("score_fill_rate")),
            reason_fill_rate=_num(row.get("reason_fill_rate")),
            stale_leads=_int(row.get("stale_leads")),
        )
        for row in rows
    ]


def _first(row: dict[str, Any], *names: str) -> Any:
    for name in names:
        if name in row and row[name] is not None:
            return row[name]
    return None


# Offending ids a check result shows in the report; the results file keeps the whole sample.
SAMPLE_SHOWN = 3


def sample_text(sample: object, failed_count: object = None) -> str:
    """A check's sample as the reader sees it: the first ids, comma-separated, "…" when there
    are more offending rows than shown; "" when the check names none.

    `data_quality_results.sample` holds a JSON list; a plain comma-separated text is taken too.
    """
    if sample is None:
        return ""
    items: list[str]
    if isinstance(sample, list | tuple):
        items = [str(x) for x in sample]
    else:
        text = str(sample).strip()
        try:
            parsed = json.loads(text) if text.startswith("[") else None
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            items = [str(x) for x in parsed]
        else:
            items = [x.strip() for x in text.split(",") if x.strip()]
    shown = items[:SAMPLE_SHOWN]
    more = len(items) > len(shown) or (
        isinstance(failed_count, int | float) and failed_count > len(shown) and bool(shown)
    )
    return ", ".join(shown) + (" …" if more else "")


def _checks(con: duckdb.DuckDBPyConnection) -> list[CheckResult]:
    rows = _rows(con, f"select * from {SCHEMA}.data_quality_results", [])
    results = []
    for row in rows:
        failed = _first(row, "failed_count", "failed", "unexpected_count")
        total = _first(row, "total_count", "total", "element_count")
        sample = sample_text(_first(row, "sample", "sample_ids"), failed)
        results.append(
            CheckResult(
                check=str(_first(row, "check", "check_name", "name") or "?"),
                asset=str(_first(row, "asset", "asset_key") or ""),
                passed=bool(_first(row, "passed", "success")),
                severity=str(_first(row, "severity") or "").upper(),
                failed_count=None if failed is None else int(failed),
                total_count=None if total is None else int(total),
                sample=sample,
            )
        )
    results.sort(key=lambda r: (r.passed, r.severity != "ERROR", r.check))
    return results


def load_report_data(
    published: Path,
    week: ReportWeek,
    *,
    trend_weeks: int = 8,
    manager_window_weeks: int = 4,
    names: Names | None = None,
) -> ReportData:
    """Read the published DuckDB file read-only: the week, the weeks before it, and checks."""
    names = names or load_names()
    with duckdb.connect(published.as_posix(), read_only=True) as con:
        tables = _tables(con)
        first_week = week.previous(trend_weeks - 1).monday
        summaries = [
            _week_figures(row)
            for row in _rows(
                con,
                f"select * from {SCHEMA}.weekly_summary where week_start between ? and ? "
                "order by week_start",
                [first_week, week.monday],
            )
        ]
        latest = con.execute(f"select max(week_start) from {SCHEMA}.weekly_summary").fetchone()[0]
        by_week = {s.week_start: s for s in summaries}
        reasons = [
            ReasonFigures(
                channel=row["channel"],
                reason=row["refusal_reason"] or NOT_FILLED,
                lost_leads=_int(row["lost_leads"]),
                channel_lost_leads=_int(row.get("channel_lost_leads")),
                share_of_channel_lost=_num(row["share_of_channel_lost"]),
            )
            for row in _rows(
                con,
                f"select * from {SCHEMA}.refusal_reasons_weekly where week_start = ? "
                "order by channel, lost_leads desc, refusal_reason",
                [week.monday],
            )
        ]
        return ReportData(
            week=week,
            summary=by_week.get(week.monday),
            previous=by_week.get(week.previous().monday),
            trend=summaries,
            channels=_channels(con, week, names),
            reasons=reasons,
            managers=_managers(con, week, manager_window_weeks),
            manager_quality=(
                _manager_quality(con, week) if "data_quality_weekly" in tables else None
            ),
            checks=_checks(con) if "data_quality_results" in tables else None,
            latest_published_week=latest,
            names=names,
        )
