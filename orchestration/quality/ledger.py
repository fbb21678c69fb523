"""The weekly tallies of the data-quality checks, kept across runs.

A run inspects the weeks it rewrote; what the checks found in earlier weeks stays here, as the
run that last inspected those weeks left it. `<data_dir>/quality/data_quality_weeks.parquet`
holds one row per check and week with rows (total_count), offending rows (failed_count), a
sample of their ids and the offending rows per manager.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from orchestration.quality.outcome import WeekTally

WEEKS_FILE = "data_quality_weeks.parquet"

# Column order and types of the file (one row per check and week).
COLUMNS: dict[str, str] = {
    "asset_key": "string",
    "check_name": "string",
    "week_start": "datetime64[us]",
    "failed_count": "Int64",
    "total_count": "Int64",
    "sample": "string",  # JSON list of at most sample_size offending ids
    "managers": "string",  # JSON object manager_id → offending rows
    "run_id": "string",  # the run that inspected the week last
    "checked_at": "datetime64[us, UTC]",
}


@dataclass(frozen=True)
class WeeksChecked:
    """What one check found in the weeks a run inspected (from `since` on; None: every week)."""

    asset_key: str
    check_name: str
    since: date | None
    tallies: tuple[WeekTally, ...]


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS.items()})


def read(folder: Path) -> pd.DataFrame:
    """The kept tallies (none when no run has written them yet)."""
    path = folder / WEEKS_FILE
    return pd.read_parquet(path) if path.exists() else empty()


def tallies_of(ledger: pd.DataFrame, asset_key: str, check_name: str) -> list[WeekTally]:
    """Every kept week of one check, oldest first."""
    rows = ledger[(ledger["asset_key"] == asset_key) & (ledger["check_name"] == check_name)]
    rows = rows.sort_values("week_start")
    return [
        WeekTally(
            week_start=pd.Timestamp(week).date(),
            failed_count=int(failed),
            total_count=int(total),
            sample=tuple(json.loads(sample)),
            managers=json.loads(managers),
        )
        for week, failed, total, sample, managers in zip(
            rows["week_start"],
            rows["failed_count"],
            rows["total_count"],
            rows["sample"],
            rows["managers"],
            strict=True,
        )
    ]


def updated(
    ledger: pd.DataFrame, checked: Iterable[WeeksChecked], run_id: str, checked_at: datetime
) -> pd.DataFrame:
    """The ledger with each check's weeks from its `since` on replaced by this run's tallies.

    Weeks before `since` keep what earlier runs found; `since` None replaces every week.
    """
    keep = pd.Series(True, index=ledger.index)
    new = []
    for item in checked:
        mine = (ledger["asset_key"] == item.asset_key) & (ledger["check_name"] == item.check_name)
        if item.since is not None:
            mine &= ledger["week_start"] >= pd.Timestamp(item.since)
        keep &= ~mine
        new.extend(
            {
                "asset_key": item.asset_key,
                "check_name": item.check_name,
                "week_start": pd.Timestamp(t.week_start),
                "failed_count": t.failed_count,
                "total_count": t.total_count,
                "sample": json.dumps(list(t.sample), ensure_ascii=False),
                "managers": json.dumps(t.managers, ensure_ascii=False),
                "run_id": run_id,
                "checked_at": pd.Timestamp(checked_at),
            }
            for t in item.tallies
        )
    added = pd.DataFrame(new, columns=list(COLUMNS)) if new else empty()
    frames = [f for f in (ledger[keep], added) if not f.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else empty()
    frame = frame.astype(COLUMNS)
    return frame.sort_values(["asset_key", "check_name", "week_start"], ignore_index=True)


def write(frame: pd.DataFrame, folder: Path) -> Path:
    """Replace the file atomically (a rename), so a reader never sees half of it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / WEEKS_FILE
    partial = folder / f".{WEEKS_FILE}.{os.getpid()}.tmp"
    frame.to_parquet(partial, index=False)
    partial.replace(path)
    return path
