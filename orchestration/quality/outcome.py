"""What a data-quality check returns: pass/fail, counts, a bounded sample and the managers."""

from __future__ import annotations

from dataclasses import dataclass, field
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
class CheckOutcome:
    """One evaluation of one check. `failed_count` counts offending rows (or items)."""

    passed: bool
    failed_count: int
    total_count: int
    threshold: str
    summary: str
    sample: tuple[str, ...] = ()
    managers: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    severity: str = WARN

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
