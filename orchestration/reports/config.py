"""Report settings: language, output folder, and every threshold the suggestion rules use."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from orchestration.settings import Settings

LANGUAGES = ("ru", "en")
ENV_PREFIX = "CALLFUNNEL_REPORT_"


@dataclass(frozen=True)
class ReportThresholds:
    """Each threshold is `CALLFUNNEL_REPORT_<FIELD>` in the environment, or Dagster run config."""

    # Below this many inbound calls in the week the report gives figures but no advice.
    min_week_calls: int = 100
    # A channel is ranked (best/worst, rate drop) only with at least this many calls in a week.
    min_channel_calls: int = 30
    # Budget move: a paid channel costs more than this multiple of the paid channels' median
    # cost per quality call...
    cost_ratio: float = 1.5
    # ...counted only for channels with at least this many quality calls and some spend...
    min_quality_calls: int = 20
    # ...and only when at least this many paid channels qualify (a median of one is no median).
    min_paid_channels: int = 3
    # Attention: a channel's application rate fell by at least this many percentage points.
    rate_drop_pp: float = 5.0
    # Script: the week's top refusal reason covers at least this share of lost leads with a reason
    top_reason_share: float = 0.25
    # ...and at least this many lost leads carry it.
    min_reason_leads: int = 10
    # Call review: a manager's deals are at most this share of the channel-mix expectation...
    manager_mix_ratio: float = 0.6
    # ...summed over this many weeks up to the report week (cohort weeks mature slowly)...
    manager_window_weeks: int = 4
    # ...and the expectation adds up to at least this many deals (else the sample is too small).
    min_expected_deals: float = 4.0
    # How many weeks the trend chart and the comparison tables cover.
    trend_weeks: int = 8
    # A manager's fill rate below this is listed among the data-quality findings.
    min_fill_rate: float = 0.9

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ReportThresholds:
        """Defaults, each replaced by `CALLFUNNEL_REPORT_<FIELD NAME>` when that is set."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper(), "").strip()
            if not raw:
                continue
            kind = int if f.type in ("int", int) else float
            try:
                values[f.name] = kind(raw)
            except ValueError as exc:
                raise ValueError(
                    f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a valid {kind.__name__}"
                ) from exc
        return cls(**values)

    def with_overrides(self, overrides: dict[str, Any]) -> ReportThresholds:
        """A copy with the given fields replaced (from Dagster run config)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown report thresholds: {unknown}; known: {sorted(known)}")
        return type(self)(**{**self.__dict__, **overrides})


def report_language(value: str | None = None) -> str:
    """`ru` (default) or `en`, from the argument or `CALLFUNNEL_REPORT_LANGUAGE`."""
    raw = (value or os.environ.get("CALLFUNNEL_REPORT_LANGUAGE") or "ru").strip().lower()
    if raw not in LANGUAGES:
        raise ValueError(f"CALLFUNNEL_REPORT_LANGUAGE={raw!r}: use one of {', '.join(LANGUAGES)}")
    return raw


def reports_dir_for(settings: Settings) -> Path:
    """`CALLFUNNEL_REPORTS_DIR`, else `<data_dir>/reports`."""
    value = os.environ.get("CALLFUNNEL_REPORTS_DIR")
    return Path(value).expanduser().resolve() if value else settings.data_dir / "reports"
