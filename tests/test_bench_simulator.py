"""The simulator at scale: a fixed caller pool, and appending one week to a landing folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from orchestration.simulator.engine import pool_numbers
from orchestration.simulator.runner import simulate

ARGS = {"calls_per_week": 600, "seed": 5, "timezone": "Europe/Moscow", "callers": 900}


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.csv"))
    }


def test_pool_numbers_are_distinct_and_russian() -> None:
    numbers = pool_numbers(np.arange(200_000))
    assert len(np.unique(numbers)) == 200_000
    text = numbers.astype(str)
    assert all(len(t) == 10 and t[0] in "94" for t in text[:1000])


def test_caller_pool_bounds_distinct_callers(tmp_path: Path) -> None:
    simulate(tmp_path / "pool", weeks=3, as_of="2026-11-27", **ARGS)
    base = simulate(tmp_path / "nopool", weeks=3, as_of="2026-11-27", **{**ARGS, "callers": 0})
    assert base.rows["calls"] > 0
    # Pool people have numbers from pool_numbers; the default run keeps drawing new ones.
    pool = set(pool_numbers(np.arange(ARGS["callers"])).tolist())
    seen = set()
    for path in (tmp_path / "pool" / "calls").glob("*.csv"):
        for line in path.read_text().splitlines()[1:]:
            digits = "".join(ch for ch in line.split(",")[4] if ch.isdigit())[-10:]
            if len(digits) == 10:
                seen.add(int(digits))
    outside = seen - pool  # spam numbers and the few planted callers
    assert len(seen & pool) <= ARGS["callers"] and len(outside) < 0.05 * len(seen)
    default = set()
    for path in (tmp_path / "nopool" / "calls").glob("*.csv"):
        for line in path.read_text().splitlines()[1:]:
            digits = "".join(ch for ch in line.split(",")[4] if ch.isdigit())[-10:]
            if len(digits) == 10:
                default.add(int(digits))
    assert len(default) > len(seen)


def test_append_week_adds_one_week_and_is_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        simulate(tmp_path / name, weeks=3, as_of="2026-11-27", **ARGS)
    before = _digests(tmp_path / "a")
    result = simulate(tmp_path / "a", as_of="2026-11-27", append_week=True, **ARGS)
    simulate(tmp_path / "b", as_of="2026-11-27", append_week=True, **ARGS)
    after = _digests(tmp_path / "a")
    assert {k: after[k] for k in before} == before  # earlier files untouched
    new = sorted(set(after) - set(before))
    assert new == sorted(f for files in result.files.values() for f in files)
    assert {Path(f).parent.name for f in new} == {
        "calls",
        "crm_leads",
        "crm_status_events",
        "ad_costs",
    }
    assert result.calendar.weeks == 4
    assert after == _digests(tmp_path / "b")  # same arguments, same files
