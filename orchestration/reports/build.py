"""One call from the published file to the written report: load, judge, chart, render, write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchestration.reports.charts import build_charts
from orchestration.reports.config import ReportThresholds
from orchestration.reports.data import Names, ReportData, load_names, load_report_data
from orchestration.reports.i18n import Locale
from orchestration.reports.publication import Publication
from orchestration.reports.render import ReportView, WrittenReport, build_view, write_report
from orchestration.reports.rules import RuleOutcome, evaluate
from orchestration.reports.weeks import ReportWeek


@dataclass(frozen=True)
class BuiltReport:
    """What was read, concluded and written."""

    data: ReportData | None
    outcome: RuleOutcome
    view: ReportView
    files: WrittenReport


def empty_data(week: ReportWeek, names: Names) -> ReportData:
    """The data of a report that has no published file to read."""
    return ReportData(
        week=week,
        summary=None,
        previous=None,
        trend=[],
        channels=[],
        reasons=[],
        managers=[],
        manager_quality=None,
        checks=None,
        latest_published_week=None,
        names=names,
    )


def build_report(
    publication: Publication,
    week: ReportWeek,
    out_dir: Path,
    *,
    lang: str = "ru",
    thresholds: ReportThresholds | None = None,
    generated: datetime | None = None,
) -> BuiltReport:
    """Write `<week>.html`, `<week>.md` and its charts from the published marts."""
    th = thresholds or ReportThresholds()
    names = load_names()
    data = (
        load_report_data(
            publication.path,
            week,
            trend_weeks=th.trend_weeks,
            manager_window_weeks=th.manager_window_weeks,
            names=names,
        )
        if publication.exists
        else empty_data(week, names)
    )
    outcome = evaluate(data, th) if data.summary is not None else RuleOutcome()
    loc = Locale(lang)
    charts = build_charts(data, loc) if data.summary is not None else []
    view = build_view(
        data, outcome, charts, publication, th, lang=lang, generated=generated or datetime.now(UTC)
    )
    files = write_report(view, charts, out_dir, week.name)
    return BuiltReport(data=data, outcome=outcome, view=view, files=files)
