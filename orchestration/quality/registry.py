"""Every data-quality check by name: the asset it inspects, how it reads the warehouse, and why."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.quality import checks, loaders
from orchestration.quality.config import QualityConfig
from orchestration.quality.outcome import CheckOutcome, Clock

# (connection, config, clock, since) -> outcome; `since` is the first week to inspect (None: all).
Evaluate = Callable[[duckdb.DuckDBPyConnection, QualityConfig, Clock, date | None], CheckOutcome]
# (offending rows, rows) summed over weeks, config -> passed.
Passes = Callable[[int, int, QualityConfig], bool]


def no_offending_rows(failed: int, total: int, config: QualityConfig) -> bool:
    return failed == 0


def card_share_holds(failed: int, total: int, config: QualityConfig) -> bool:
    return total == 0 or (total - failed) / total >= config.card_share_min


INT_LEADS = ("intermediate", "int_leads")
INT_CALLS = ("intermediate", "int_calls_attributed")
INT_COSTS = ("intermediate", "int_ads__costs_known")
STG_LEADS = ("staging", "stg_crm__leads")
STAGING_OF_SOURCE = {
    source: ("staging", model) for source, (model, *_rest) in loaders.EVENT_SOURCES.items()
}


@dataclass(frozen=True)
class QualityCheck:
    """One named check attached to the asset it inspects."""

    name: str
    asset: tuple[str, ...]
    group: str  # "managers", "sources", "freshness" or "volume"
    description: str
    where: str  # where an operator looks to act on a failure
    evaluate: Evaluate
    # Counted by week: a run inspects the weeks it rewrote and keeps the earlier weeks' tallies.
    # Otherwise the check reads what it needs on every run (freshness, volume, stale leads).
    weekly: bool = True
    # Whether the rows summed over every week pass (weekly checks).
    passes: Passes = no_offending_rows

    @property
    def asset_string(self) -> str:
        return "/".join(self.asset)

    def run(
        self, warehouse: Path, config: QualityConfig, clock: Clock, since: date | None = None
    ) -> CheckOutcome:
        """Read what the check needs from the warehouse (read-only) and evaluate it.

        A weekly check inspects the rows of the weeks from `since` on (None: all history).
        """
        with loaders.read_only(warehouse) as con:
            return self.evaluate(con, config, clock, since if self.weekly else None)


def _on_leads(
    function: Callable[..., CheckOutcome],
    columns: Sequence[str],
    where: str = "true",
    params: Callable[[QualityConfig, Clock], list] = lambda config, clock: [],
) -> Evaluate:
    """Evaluate `function` on the leads `where` selects (see loaders.leads)."""

    def evaluate(con: duckdb.DuckDBPyConnection, config: QualityConfig, clock: Clock, since):
        rows = loaders.leads(con, columns, since, where, params(config, clock))
        return function(rows, config, clock)

    return evaluate


def _past_grace(config: QualityConfig, clock: Clock) -> list:
    return [clock.ago(hours=config.grace_hours)]


def _lost_reasons(con: duckdb.DuckDBPyConnection, config: QualityConfig, clock: Clock, since):
    frame = loaders.leads(
        con,
        ["lead_id", "manager_id", "is_lost", "lost_at", "refusal_reason"],
        since,
        "{is_lost} and {lost_at} <= ?",
        _past_grace(config, clock),
    )
    return checks.lost_leads_have_reason(frame, loaders.refusal_reasons(con), config, clock)


MANAGER_LOOK = (
    "marts.data_quality_weekly (per week and manager); the sampled lead_ids in "
    "intermediate.int_leads and the CRM"
)

QUALITY_CHECKS: tuple[QualityCheck, ...] = (
    QualityCheck(
        "lead_status_after_new",
        INT_LEADS,
        "managers",
        "Every lead older than the grace period has a status event after `new`.",
        MANAGER_LOOK,
        _on_leads(
            checks.lead_status_after_new,
            ["lead_id", "manager_id", "created_at", "first_progress_at"],
            "{created_at} <= ?",
            _past_grace,
        ),
    ),
    QualityCheck(
        "call_outcome_filled",
        INT_LEADS,
        "managers",
        "Every lead from an answered call has a call_outcome once past the grace period.",
        MANAGER_LOOK,
        _on_leads(
            checks.call_outcome_filled,
            ["lead_id", "manager_id", "created_at", "call_status", "call_outcome"],
            "{call_status} = 'answered' and {created_at} <= ?",
            _past_grace,
        ),
    ),
    QualityCheck(
        "quality_score_filled",
        INT_LEADS,
        "managers",
        "Every lead from an answered call has a quality_score once past the grace period.",
        MANAGER_LOOK,
        _on_leads(
            checks.quality_score_filled,
            ["lead_id", "manager_id", "created_at", "call_status", "quality_score"],
            "{call_status} = 'answered' and {created_at} <= ?",
            _past_grace,
        ),
    ),
    QualityCheck(
        "quality_score_valid",
        INT_LEADS,
        "managers",
        "Every filled quality_score is an integer from 1 to 5.",
        "intermediate.int_leads where quality_score not between 1 and 5; the CRM card",
        _on_leads(
            checks.quality_score_valid,
            ["lead_id", "manager_id", "quality_score"],
            "{quality_score} is not null",
        ),
    ),
    QualityCheck(
        "lost_leads_have_reason",
        INT_LEADS,
        "managers",
        "Every lost lead, past the grace period, has a refusal reason from the dictionary "
        "(seeds/refusal_reasons.csv).",
        MANAGER_LOOK,
        _lost_reasons,
    ),
    QualityCheck(
        "won_leads_have_amount",
        INT_LEADS,
        "managers",
        "Every won lead, past the grace period, has an amount (else it counts as zero revenue).",
        "intermediate.int_leads where is_won and amount is null; the CRM card",
        _on_leads(
            checks.won_leads_have_amount,
            ["lead_id", "manager_id", "is_won", "won_at", "amount"],
            "{is_won} and {won_at} <= ?",
            _past_grace,
        ),
    ),
    QualityCheck(
        "stale_leads",
        INT_LEADS,
        "managers",
        "Open leads in work whose status has not changed for longer than the stale period.",
        "marts.data_quality_weekly.stale_leads; intermediate.int_leads.last_status_changed_at",
        lambda con, config, clock, since: checks.stale_leads(
            loaders.open_leads_in_work(con), config, clock
        ),
        # A lead of any week turns stale as time passes: every open lead, every run.
        weekly=False,
    ),
    QualityCheck(
        "status_history_plausible",
        INT_LEADS,
        "managers",
        "No status event before its lead was created; reopens (a status after won or lost) and "
        "steps back in stage order are counted in the metadata, never failed.",
        "intermediate.int_crm__status_events_known for the sampled lead_ids",
        _on_leads(
            checks.status_history_plausible,
            [
                "lead_id",
                "manager_id",
                "created_at",
                "first_status_changed_at",
                "reopen_count",
                "stage_step_back_count",
            ],
        ),
    ),
    QualityCheck(
        "calls_to_registered_numbers",
        INT_CALLS,
        "sources",
        "Every inbound call rang a tracking number the registry covers on the call's date; "
        "otherwise the call is unattributed. Lists the numbers.",
        "the tracking_numbers landing folder: add the listed numbers (and their periods)",
        lambda con, config, clock, since: checks.calls_to_registered_numbers(
            loaders.inbound_calls(con, since), config, clock
        ),
    ),
    QualityCheck(
        "answered_calls_have_lead_card",
        INT_CALLS,
        "sources",
        "The share of answered first-time quality calls that got a CRM lead card is above the "
        "floor.",
        "intermediate.int_calls_attributed left join intermediate.int_lead_calls; the CRM",
        lambda con, config, clock, since: checks.answered_calls_have_lead_card(
            loaders.quality_calls(con, config, clock, since), config, clock
        ),
        passes=card_share_holds,
    ),
    QualityCheck(
        "leads_reference_known_calls",
        STG_LEADS,
        "sources",
        "Every lead that names a call_id names a call the call tracker exported.",
        "the sampled lead_ids' call_id in the CRM, and the call tracker's export",
        lambda con, config, clock, since: checks.leads_reference_known_calls(
            loaders.lead_call_ids(con, since), config, clock
        ),
    ),
    QualityCheck(
        "paid_channels_with_calls_have_spend",
        INT_COSTS,
        "sources",
        "Every paid channel (is_paid) with calls in a week has ad spend in that week.",
        "the ad_costs landing folder for the listed channel and week",
        lambda con, config, clock, since: checks.paid_channels_with_calls_have_spend(
            loaders.channel_weeks(con, clock, since), config, clock
        ),
    ),
    QualityCheck(
        "paid_spend_has_calls",
        INT_COSTS,
        "sources",
        "Spend on a paid channel in a week brought at least one call that week.",
        "the tracking number registry and the ad_costs rows for the listed channel and week",
        lambda con, config, clock, since: checks.paid_spend_has_calls(
            loaders.channel_weeks(con, clock, since), config, clock
        ),
    ),
)


def _fresh(source: str) -> Evaluate:
    return lambda con, config, clock, since: checks.source_is_fresh(
        loaders.newest_record(con, source, clock), config, clock
    )


def _volume(source: str) -> Evaluate:
    return lambda con, config, clock, since: checks.weekly_volume_holds(
        loaders.weekly_rows(con, source, clock, config), config, clock
    )


SOURCE_CHECKS: tuple[QualityCheck, ...] = tuple(
    check
    for source, asset in STAGING_OF_SOURCE.items()
    for check in (
        QualityCheck(
            "source_is_fresh",
            asset,
            "freshness",
            f"The newest `{source}` record is recent enough at as_of.",
            f"the `{source}` landing folder: is the latest export there?",
            _fresh(source),
            weekly=False,
        ),
        QualityCheck(
            "weekly_volume_holds",
            asset,
            "volume",
            f"`{source}` rows of the last complete week did not fall too far below the "
            "previous weeks.",
            f"the `{source}` landing files of the last complete week",
            _volume(source),
            weekly=False,
        ),
    )
)

ALL_CHECKS: tuple[QualityCheck, ...] = QUALITY_CHECKS + SOURCE_CHECKS


def check_by_key(asset: str, name: str) -> QualityCheck:
    """The check `name` attached to `asset` (written `layer/model`)."""
    for check in ALL_CHECKS:
        if check.asset_string == asset and check.name == name:
            return check
    raise KeyError(f"{asset}:{name}")
