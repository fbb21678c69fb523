"""Data-quality thresholds and grace periods, with documented defaults overridable from the env."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

ENV_PREFIX = "CALLFUNNEL_DQ_"


@dataclass(frozen=True)
class QualityConfig:
    """Every threshold the data-quality checks use; each field is `CALLFUNNEL_DQ_<FIELD>`.

    The defaults pass the simulator's clean mode and catch each of its planted gaps.
    """

    # A lead (or a lost lead) younger than this is not yet expected to be filled in by its manager.
    grace_hours: float = 48.0
    # An open lead in work whose status has not changed for longer than this is stale.
    stale_days: float = 14.0
    # How many stale leads the whole team may have before the check fails.
    max_stale_leads: int = 0
    # Lowest allowed share of answered first-time quality calls that got a CRM lead card.
    card_share_min: float = 0.5
    # A call is a quality call when answered and at least this long (same as the marts' var).
    quality_call_seconds: int = 60
    # Each event source's newest record may be at most this old, measured from as_of. Data ends on
    # the Sunday before as_of's week, so this must be at least 8 days.
    freshness_max_days: float = 9.0
    # A source's rows in the last complete week may fall at most this share below the mean of the
    # four weeks before it (0.5 = half).
    volume_max_drop: float = 0.5
    # How many earlier complete weeks the volume check compares with; it passes until they exist.
    volume_baseline_weeks: int = 4
    # How many offending ids a check shows in its metadata and in the results table.
    sample_size: int = 20

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> QualityConfig:
        """Defaults, each replaced by `CALLFUNNEL_DQ_<FIELD NAME>` when that variable is set."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw.strip() == "":
                continue
            kind = int if f.type in ("int", int) else float
            try:
                values[f.name] = kind(raw)
            except ValueError as exc:
                raise ValueError(
                    f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a valid {kind.__name__}"
                ) from exc
        config = cls(**values)
        config.validate()
        return config

    def validate(self) -> None:
        """Reject values that make a check meaningless."""
        if self.grace_hours < 0 or self.stale_days <= 0 or self.freshness_max_days <= 0:
            raise ValueError("grace_hours must be ≥ 0, stale_days and freshness_max_days > 0")
        if not 0 <= self.card_share_min <= 1 or not 0 <= self.volume_max_drop <= 1:
            raise ValueError("card_share_min and volume_max_drop are shares between 0 and 1")
        if self.sample_size < 1 or self.volume_baseline_weeks < 1 or self.max_stale_leads < 0:
            raise ValueError("sample_size and volume_baseline_weeks ≥ 1, max_stale_leads ≥ 0")

    def dbt_vars(self) -> dict[str, float]:
        """The thresholds `data_quality_weekly` reads, so the mart and the checks agree."""
        return {"dq_grace_hours": self.grace_hours, "dq_stale_days": self.stale_days}

    @staticmethod
    def env_name(field_name: str) -> str:
        return ENV_PREFIX + field_name.upper()
