"""The suggestion rules: each fires on stated figures, and stays silent on too small a sample."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from orchestration.reports.config import ReportThresholds
from orchestration.reports.data import NON_RANKED_CHANNELS, NOT_FILLED, ChannelFigures, ReportData

# Reasons no sales script answers: the lead gave none, or the manager chose the catch-all.
UNSCRIPTABLE_REASONS = frozenset({NOT_FILLED, "other"})

BUDGET_MOVE = "budget_move"
RATE_DROP = "rate_drop"
OBJECTION_SCRIPT = "objection_script"
MANAGER_REVIEW = "manager_review"
SMALL_WEEK = "small_week"


@dataclass(frozen=True)
class Suggestion:
    """One suggested action; `facts` holds the figures it rests on (raw numbers, not text)."""

    rule: str
    facts: dict[str, Any]


@dataclass(frozen=True)
class Caveat:
    """A rule that would have looked at something but the sample was too small to tell."""

    rule: str
    facts: dict[str, Any]


@dataclass
class RuleOutcome:
    """What the rules concluded for the week; `silenced` when the whole week is too small."""

    suggestions: list[Suggestion] = field(default_factory=list)
    caveats: list[Caveat] = field(default_factory=list)
    silenced: bool = False

    def by_rule(self, rule: str) -> list[Suggestion]:
        return [s for s in self.suggestions if s.rule == rule]


def ranked_channels(data: ReportData, min_calls: int) -> list[ChannelFigures]:
    """Attributed inbound channels with enough calls and a rate, lowest application rate first."""
    ranked = [
        c
        for c in data.channels
        if c.channel not in NON_RANKED_CHANNELS
        and c.calls >= min_calls
        and c.application_rate is not None
    ]
    return sorted(ranked, key=lambda c: (c.application_rate, c.channel))


def budget_move(data: ReportData, th: ReportThresholds, out: RuleOutcome) -> None:
    """A paid channel above `cost_ratio` × the paid median cost per quality call, beside one below
    the median: move budget from the first to the second."""
    paid = [c for c in data.channels if c.is_paid and c.channel not in NON_RANKED_CHANNELS]
    spending = [c for c in paid if c.spend_rub > 0]
    eligible = [
        c
        for c in spending
        if c.quality_calls >= th.min_quality_calls and c.cost_per_quality_call_rub is not None
    ]
    too_small = sorted(c.channel for c in spending if c not in eligible)
    if too_small:
        out.caveats.append(
            Caveat(BUDGET_MOVE, {"channels": too_small, "min_quality_calls": th.min_quality_calls})
        )
    if len(eligible) < th.min_paid_channels:
        out.caveats.append(
            Caveat(
                BUDGET_MOVE,
                {"eligible": len(eligible), "min_paid_channels": th.min_paid_channels},
            )
        )
        return
    costs = {c.channel: float(c.cost_per_quality_call_rub or 0.0) for c in eligible}
    median = statistics.median(costs.values())
    cheap = sorted(
        (c for c in eligible if costs[c.channel] < median), key=lambda c: costs[c.channel]
    )
    expensive = sorted(
        (c for c in eligible if costs[c.channel] > th.cost_ratio * median),
        key=lambda c: -costs[c.channel],
    )
    if not cheap:
        return
    target = cheap[0]
    for source in expensive:
        out.suggestions.append(
            Suggestion(
                BUDGET_MOVE,
                {
                    "from_channel": source.channel,
                    "from_cost": costs[source.channel],
                    "from_quality_calls": source.quality_calls,
                    "from_spend": source.spend_rub,
                    "to_channel": target.channel,
                    "to_cost": costs[target.channel],
                    "to_quality_calls": target.quality_calls,
                    "median_cost": median,
                    "ratio": costs[source.channel] / median if median else None,
                    "threshold": th.cost_ratio,
                },
            )
        )


def rate_drop(data: ReportData, th: ReportThresholds, out: RuleOutcome) -> None:
    """A channel whose application rate fell by `rate_drop_pp` or more against last week, with at
    least `min_channel_calls` calls in both weeks."""
    for c in data.channels:
        change = c.application_rate_change_pp
        if c.channel in NON_RANKED_CHANNELS or change is None or change > -th.rate_drop_pp:
            continue
        facts = {
            "channel": c.channel,
            "rate": c.application_rate,
            "previous_rate": c.previous_application_rate,
            "change_pp": change,
            "calls": c.calls,
            "previous_calls": c.previous_calls,
            "low": c.application_rate_low,
            "high": c.application_rate_high,
            "threshold_pp": th.rate_drop_pp,
            "min_calls": th.min_channel_calls,
        }
        if c.calls >= th.min_channel_calls and (c.previous_calls or 0) >= th.min_channel_calls:
            out.suggestions.append(Suggestion(RATE_DROP, facts))
        else:
            out.caveats.append(Caveat(RATE_DROP, facts))


def objection_script(data: ReportData, th: ReportThresholds, out: RuleOutcome) -> None:
    """The week's most frequent scriptable refusal reason, if it covers at least
    `top_reason_share` of lost leads with a reason and `min_reason_leads` leads."""
    summary = data.summary
    if summary is None:
        return
    with_reason = summary.lost_leads - summary.lost_leads_without_reason
    candidates = [(r, n) for r, n in summary.top_reasons if r not in UNSCRIPTABLE_REASONS]
    if not candidates or with_reason <= 0:
        return
    reason, leads = candidates[0]
    share = leads / with_reason
    per_channel = [
        r
        for r in data.reasons
        if r.reason == reason and r.channel_lost_leads >= th.min_reason_leads
    ]
    worst = max(per_channel, key=lambda r: (r.share_of_channel_lost or 0, r.channel), default=None)
    facts = {
        "reason": reason,
        "leads": leads,
        "lost_with_reason": with_reason,
        "share": share,
        "threshold_share": th.top_reason_share,
        "min_leads": th.min_reason_leads,
        "channel": worst.channel if worst else None,
        "channel_share": worst.share_of_channel_lost if worst else None,
    }
    if leads < th.min_reason_leads:
        out.caveats.append(Caveat(OBJECTION_SCRIPT, facts))
    elif share >= th.top_reason_share:
        out.suggestions.append(Suggestion(OBJECTION_SCRIPT, facts))


def manager_review(data: ReportData, th: ReportThresholds, out: RuleOutcome) -> None:
    """A manager whose deals over the window are at most `manager_mix_ratio` of what the channels
    of their leads predict, when that prediction adds up to `min_expected_deals` or more."""
    for m in data.managers:
        ratio = m.vs_channel_mix
        if ratio is None or ratio > th.manager_mix_ratio:
            continue
        facts = {
            "manager": m.manager_id,
            "deals": m.deals,
            "expected_deals": m.expected_deals,
            "vs_channel_mix": ratio,
            "leads": m.leads,
            "weeks": th.manager_window_weeks,
            "threshold": th.manager_mix_ratio,
            "min_expected_deals": th.min_expected_deals,
        }
        if m.expected_deals >= th.min_expected_deals:
            out.suggestions.append(Suggestion(MANAGER_REVIEW, facts))
        else:
            out.caveats.append(Caveat(MANAGER_REVIEW, facts))


RULES = (budget_move, rate_drop, objection_script, manager_review)


def evaluate(data: ReportData, th: ReportThresholds) -> RuleOutcome:
    """Run every rule; a week with fewer than `min_week_calls` calls gets no advice at all."""
    out = RuleOutcome()
    calls = data.summary.calls if data.summary else 0
    if calls < th.min_week_calls:
        out.silenced = True
        out.caveats.append(Caveat(SMALL_WEEK, {"calls": calls, "min_calls": th.min_week_calls}))
        return out
    for rule in RULES:
        rule(data, th, out)
    return out
