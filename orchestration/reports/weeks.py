"""Which week a report covers: the last complete Monday–Sunday week, or one asked for by name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from orchestration.settings import Settings

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")


@dataclass(frozen=True)
class ReportWeek:
    """A Monday–Sunday week; `name` is its ISO week (`2026-W48`), used for file names."""

    monday: date

    def __post_init__(self) -> None:
        if self.monday.weekday() != 0:
            raise ValueError(f"{self.monday} is not a Monday")

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def name(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    def previous(self, weeks: int = 1) -> ReportWeek:
        return ReportWeek(self.monday - timedelta(weeks=weeks))


def parse_week(value: str) -> ReportWeek:
    """`2026-W48`, or any ISO date inside the wanted week (its Monday is taken)."""
    text = value.strip()
    match = _ISO_WEEK.match(text)
    if match:
        try:
            return ReportWeek(date.fromisocalendar(int(match[1]), int(match[2]), 1))
        except ValueError as exc:
            raise ValueError(f"week {value!r} does not exist") from exc
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"week {value!r}: use an ISO week (2026-W48) or a date") from exc
    return ReportWeek(day - timedelta(days=day.weekday()))


def select_week(settings: Settings, requested: str | None = None) -> ReportWeek:
    """The requested week, else the last complete week before `as_of`; never a week not yet over."""
    latest = ReportWeek(settings.last_complete_week()[0])
    if not requested:
        return latest
    week = parse_week(requested)
    if week.monday > latest.monday:
        raise ValueError(
            f"week {week.name} is not complete before as_of {settings.as_of.isoformat()}; "
            f"the latest complete week is {latest.name}"
        )
    return week
