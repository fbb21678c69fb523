"""What a data-quality check returns: pass/fail, counts, a bounded sample and the managers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

WARN = "WARN"


@dataclass(frozen=True)
class Clock:
    """The run's "now" (`CALLFUNNEL_AS_OF`) and the business time zone its weeks are read in."""

    as_of: datetime
    timezone: str = "Europe/Moscow"

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None:
            raise ValueError("Clock.as_of must be timezone-aware")

    @property
    def now_utc(self) -> pd.Timestamp:
        """as_of as a naive UTC timestamp, the way the warehouse stores times."""
        return pd.Timestamp(self.as_of.astimezone(UTC).replace(tzinfo=None))

    def ago(self, *, hours: float = 0.0, days: float = 0.0) -> pd.Timestamp:
        """A naive UTC moment this long before as_of."""
        return self.now_utc - pd.Timedelta(hours=hours, days=days)

    @property
    def last_week_start(self) -> date:
        """Monday of the last complete Monday–Sunday week before as_of (business time)."""
        local = self.as_of.astimezone(ZoneInfo(self.timezone)).date()
        return local - timedelta(days=local.weekday() + 7)


@dataclass(frozen=True)
class WeekTally:
    """What one check found in one week: rows inspected, offending rows, their ids and managers.

    The week is the one each row belongs to (a lead's cohort week, a call's week, a channel
    week). Tallies add up: the outcome over several weeks is the sum of their tallies.
    """

    week_start: date
    failed_count: int
    total_count: int
    sample: tuple[str, ...] = ()
    managers: dict[str, int] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        return {
            "week_start": self.week_start.isoformat(),
            "failed_count": self.failed_count,
            "total_count": self.total_count,
            "sample": list(self.sample),
            "managers": dict(self.managers),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> WeekTally:
        return cls(
            week_start=date.fromisoformat(str(record["week_start"])[:10]),
            failed_count=int(record["failed_count"]),
            total_count=int(record["total_count"]),
            sample=tuple(str(i) for i in record.get("sample") or ()),
            managers={str(k): int(v) for k, v in (record.get("managers") or {}).items()},
        )


@dataclass(frozen=True)
class CheckOutcome:
    """One evaluation of one check. `failed_count` counts offending rows (or items).

    `weeks` breaks the counts down by week when the check's rows carry a `week_start`; empty for
    checks that are not counted by week (freshness, volume, stale leads).
    """

    passed: bool
    failed_count: int
    total_count: int
    threshold: str
    summary: str
    sample: tuple[str, ...] = ()
    managers: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    severity: str = WARN
    weeks: tuple[WeekTally, ...] = ()

    @property
    def failed_share(self) -> float | None:
        return self.failed_count / self.total_count if self.total_count else None


def sample_ids(ids: pd.Series, size: int) -> tuple[str, ...]:
    """At most `size` distinct ids, sorted, so a sample is stable from run to run."""
    values = ids.dropna().astype(str).drop_duplicates()
    return tuple(values.sort_values().head(size).tolist())


def per_manager(managers: pd.Series) -> dict[str, int]:
    """Offending rows per manager (missing manager → `(none)`), largest first."""
    counts = managers.astype("object").fillna("(none)").astype(str).value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def as_bool(series: pd.Series) -> pd.Series:
    """A nullable boolean column as plain booleans (missing = False)."""
    return series.astype("boolean").fillna(False).astype(bool)


def tally_by_week(
    rows: pd.DataFrame,
    bad: pd.Series,
    ids: pd.Series,
    size: int,
    managers: pd.Series | None = None,
) -> tuple[WeekTally, ...]:
    """Per week of `rows["week_start"]`: rows, offending rows (`bad`), a sample of their `ids`
    and offending rows per manager. Empty when the rows carry no week.

    Millions of rows pass through here on a first run: the weeks are grouped as datetime64
    values, and only the offending rows' ids and managers become Python objects.
    """
    if "week_start" not in rows.columns or rows.empty:
        return ()
    weeks = pd.Series(pd.to_datetime(rows["week_start"]).to_numpy(), name="week")
    flags = pd.Series(bad.to_numpy(dtype=bool), name="bad")
    totals = (
        pd.DataFrame({"week": weeks, "bad": flags})
        .groupby("week")
        .agg(total=("bad", "size"), failed=("bad", "sum"))
    )
    mask = flags.to_numpy()
    offenders = pd.DataFrame(
        {
            "week": weeks.to_numpy()[mask],
            "id": ids[mask].to_numpy(dtype=object),
        }
    )
    if managers is not None:
        offenders["manager"] = (
            managers[mask].astype("object").fillna("(none)").astype(str).to_numpy()
        )
    named = offenders[offenders["id"].notna()].assign(id=lambda f: f["id"].astype(str))
    samples = (
        named[["week", "id"]]
        .drop_duplicates()
        .sort_values(["week", "id"])
        .groupby("week")
        .head(size)
        .groupby("week")["id"]
        .agg(tuple)
    )
    by_manager: dict[pd.Timestamp, dict[str, int]] = {}
    if managers is not None and not named.empty:
        counts = offenders.groupby(["week", "manager"]).size()
        for week in counts.index.get_level_values("week").unique():
            by_manager[week] = per_manager_counts(counts.loc[week].to_dict())
    return tuple(
        WeekTally(
            week_start=pd.Timestamp(week).date(),
            failed_count=int(row.failed),
            total_count=int(row.total),
            sample=samples.get(week, ()),
            managers=by_manager.get(week, {}),
        )
        for week, row in totals.iterrows()
    )


def per_manager_counts(counts: dict[str, int]) -> dict[str, int]:
    """Counts per manager, largest first (then by manager), as `per_manager` orders them."""
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))}


def add_up(tallies: list[WeekTally], size: int) -> WeekTally:
    """The tallies of several weeks as one (dated by the earliest week)."""
    managers: dict[str, int] = {}
    for tally in tallies:
        for manager, n in tally.managers.items():
            managers[manager] = managers.get(manager, 0) + n
    ids = sorted({i for tally in tallies for i in tally.sample})
    return WeekTally(
        week_start=min((t.week_start for t in tallies), default=date.min),
        failed_count=sum(t.failed_count for t in tallies),
        total_count=sum(t.total_count for t in tallies),
        sample=tuple(ids[:size]),
        managers=per_manager_counts(managers),
    )


def with_earlier_weeks(
    outcome: CheckOutcome,
    earlier: list[WeekTally],
    since: date,
    size: int,
    passes: Callable[[int, int], bool],
) -> CheckOutcome:
    """The outcome of the weeks from `since` on, joined with the weeks before as last checked.

    Counts, sample and managers add this run's weekly tallies to the earlier ones; `passes`
    decides on the sums (offending rows, rows). The summary and details keep this run's own
    findings and say what the earlier weeks add.
    """
    before = add_up(earlier, size)
    every = add_up([*outcome.weeks, *earlier], size)
    passed = passes(every.failed_count, every.total_count)
    failing_weeks = sorted(t.week_start.isoformat() for t in earlier if t.failed_count)
    return replace(
        outcome,
        passed=passed,
        failed_count=every.failed_count,
        total_count=every.total_count,
        summary=(
            f"{outcome.summary} (weeks from {since}); weeks before, as last checked: "
            f"{before.failed_count} of {before.total_count} failing"
        ),
        sample=() if passed else every.sample,
        managers={} if passed else every.managers,
        details={
            **outcome.details,
            "checked_from": since.isoformat(),
            "earlier_weeks": {
                "failed_count": before.failed_count,
                "total_count": before.total_count,
                "failing_weeks": failing_weeks[:size],
            },
        },
    )
