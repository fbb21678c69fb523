"""The data-quality checks as pure functions: `(frame, config, clock) -> CheckOutcome`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd

from orchestration.quality import expectations as gx
from orchestration.quality.config import QualityConfig
from orchestration.quality.outcome import (
    CheckOutcome,
    Clock,
    as_bool,
    per_manager,
    sample_ids,
    tally_by_week,
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _empty(threshold: str, what: str) -> CheckOutcome:
    return CheckOutcome(True, 0, 0, threshold, f"no {what} to check yet")


def _manager_outcome(
    rows: pd.DataFrame,
    bad: pd.Series,
    config: QualityConfig,
    *,
    threshold: str,
    what: str,
    problem: str,
    id_column: str = "lead_id",
    details: dict | None = None,
    passed: bool | None = None,
) -> CheckOutcome:
    """Outcome of a per-lead check whose offenders are named by lead and manager."""
    offenders = rows[bad]
    failed = len(offenders)
    ok = failed == 0 if passed is None else passed
    managers = per_manager(offenders["manager_id"]) if failed else {}
    who = ", ".join(f"{m} ({n})" for m, n in managers.items())
    summary = (
        f"{failed} of {len(rows)} {what} {problem}; managers: {who}"
        if failed
        else f"all {len(rows)} {what} are in order"
    )
    return CheckOutcome(
        passed=ok,
        failed_count=failed,
        total_count=len(rows),
        threshold=threshold,
        summary=summary,
        sample=sample_ids(offenders[id_column], config.sample_size),
        managers=managers,
        details=details or {},
        weeks=tally_by_week(rows, bad, rows[id_column], config.sample_size, rows["manager_id"]),
    )


# ------------------------------------------------------------------------------------------
# Managers filled the CRM
# ------------------------------------------------------------------------------------------


def lead_status_after_new(leads: pd.DataFrame, config: QualityConfig, clock: Clock) -> CheckOutcome:
    """Every lead older than the grace period has a status event after `new`.

    Columns: lead_id, manager_id, created_at, first_progress_at (the lead's first status event
    past the funnel's first stage; missing when it has none).
    """
    threshold = f"0 leads older than {config.grace_hours:g} h without a status after `new`"
    due = leads[leads["created_at"] <= clock.ago(hours=config.grace_hours)]
    if due.empty:
        return _empty(threshold, "leads past the grace period")
    result = gx.expect_not_null(due, "first_progress_at")
    return _manager_outcome(
        due,
        due["first_progress_at"].isna(),
        config,
        threshold=threshold,
        what="leads past the grace period",
        problem="have no status after `new`",
        passed=result.success,
    )


def _answered_and_due(leads: pd.DataFrame, config: QualityConfig, clock: Clock) -> pd.DataFrame:
    answered = leads["call_status"].astype("object") == "answered"
    due = leads["created_at"] <= clock.ago(hours=config.grace_hours)
    return leads[answered & due]


def call_outcome_filled(leads: pd.DataFrame, config: QualityConfig, clock: Clock) -> CheckOutcome:
    """Every lead from an answered call, past the grace period, has a `call_outcome`.

    Columns: lead_id, manager_id, created_at, call_status (of the lead's call), call_outcome.
    """
    threshold = f"0 leads from answered calls older than {config.grace_hours:g} h without outcome"
    due = _answered_and_due(leads, config, clock)
    if due.empty:
        return _empty(threshold, "leads from answered calls")
    result = gx.expect_not_null(due, "call_outcome")
    return _manager_outcome(
        due,
        due["call_outcome"].isna(),
        config,
        threshold=threshold,
        what="leads from answered calls",
        problem="have no call_outcome",
        passed=result.success,
    )


def quality_score_filled(leads: pd.DataFrame, config: QualityConfig, clock: Clock) -> CheckOutcome:
    """Every lead from an answered call, past the grace period, has a `quality_score`.

    Columns: lead_id, manager_id, created_at, call_status, quality_score.
    """
    threshold = f"0 leads from answered calls older than {config.grace_hours:g} h without score"
    due = _answered_and_due(leads, config, clock)
    if due.empty:
        return _empty(threshold, "leads from answered calls")
    result = gx.expect_not_null(due, "quality_score")
    return _manager_outcome(
        due,
        due["quality_score"].isna(),
        config,
        threshold=threshold,
        what="leads from answered calls",
        problem="have no quality_score",
        passed=result.success,
    )


def quality_score_valid(leads: pd.DataFrame, config: QualityConfig, clock: Clock) -> CheckOutcome:
    """Every filled `quality_score` is an integer from 1 to 5.

    Columns: lead_id, manager_id, quality_score.
    """
    threshold = "every filled quality_score is an integer 1–5"
    scored = leads[leads["quality_score"].notna()].copy()
    if scored.empty:
        return _empty(threshold, "scored leads")
    scored["quality_score"] = pd.to_numeric(scored["quality_score"]).astype("float64")
    in_range = gx.expect_between(scored, "quality_score", 1, 5)
    score = scored["quality_score"]
    bad = (score < 1) | (score > 5) | (score != score.round())
    return _manager_outcome(
        scored,
        bad,
        config,
        threshold=threshold,
        what="scored leads",
        problem="have a score that is not an integer 1–5",
        passed=in_range.success and not bad.any(),
    )


def lost_leads_have_reason(
    leads: pd.DataFrame, reasons: list[str], config: QualityConfig, clock: Clock
) -> CheckOutcome:
    """Every lead lost longer ago than the grace period has a refusal reason from the dictionary.

    Columns: lead_id, manager_id, is_lost, lost_at, refusal_reason (the code as the CRM sent it).
    `reasons` are the codes of `seeds/refusal_reasons.csv`.
    """
    threshold = (
        f"0 leads lost more than {config.grace_hours:g} h ago without a reason from "
        "seeds/refusal_reasons.csv"
    )
    lost = leads[as_bool(leads["is_lost"])]
    due = lost[lost["lost_at"] <= clock.ago(hours=config.grace_hours)]
    if due.empty:
        return _empty(threshold, "lost leads")
    filled = gx.expect_not_null(due, "refusal_reason")
    known = gx.expect_in_set(due, "refusal_reason", list(reasons))
    missing = due["refusal_reason"].isna()
    unknown = ~missing & ~due["refusal_reason"].astype("object").isin(list(reasons))
    return _manager_outcome(
        due,
        missing | unknown,
        config,
        threshold=threshold,
        what="lost leads",
        problem="have no refusal reason from the dictionary",
        details={"missing_reason": int(missing.sum()), "unknown_reason": int(unknown.sum())},
        passed=filled.success and known.success,
    )


def won_leads_have_amount(leads: pd.DataFrame, config: QualityConfig, clock: Clock) -> CheckOutcome:
    """Every lead won longer ago than the grace period has an amount.

    Columns: lead_id, manager_id, is_won, won_at, amount.
    """
    threshold = f"0 leads won more than {config.grace_hours:g} h ago without an amount"
    won = leads[as_bool(leads["is_won"])]
    due = won[won["won_at"] <= clock.ago(hours=config.grace_hours)]
    if due.empty:
        return _empty(threshold, "won leads")
    result = gx.expect_not_null(due, "amount")
    return _manager_outcome(
        due,
        due["amount"].isna(),
        config,
        threshold=threshold,
        what="won leads",
        problem="have no amount (counted as zero revenue)",
        passed=result.success,
    )


def stale_leads(leads: pd.DataFrame, config: QualityConfig, clock: Clock) -> CheckOutcome:
    """Open leads in work whose status has not changed for longer than `stale_days`.

    A lead with no status after `new` is left to `lead_status_after_new`.
    Columns: lead_id, manager_id, is_won, is_lost, first_progress_at, last_status_changed_at.
    """
    threshold = (
        f"at most {config.max_stale_leads} open leads without a status change for more than "
        f"{config.stale_days:g} days"
    )
    in_work = leads[
        ~as_bool(leads["is_won"]) & ~as_bool(leads["is_lost"]) & leads["first_progress_at"].notna()
    ]
    if in_work.empty:
        return _empty(threshold, "open leads in work")
    bad = in_work["last_status_changed_at"] < clock.ago(days=config.stale_days)
    return _manager_outcome(
        in_work,
        bad,
        config,
        threshold=threshold,
        what="open leads in work",
        problem=f"had no status change for more than {config.stale_days:g} days",
        passed=int(bad.sum()) <= config.max_stale_leads,
    )


def status_history_plausible(
    leads: pd.DataFrame, config: QualityConfig, clock: Clock
) -> CheckOutcome:
    """No status event before its lead was created; reopens and steps back are counted, not failed.

    Columns: lead_id, manager_id, created_at, first_status_changed_at, reopen_count,
    stage_step_back_count.
    """
    threshold = "0 leads with a status event before the lead was created"
    if leads.empty:
        return _empty(threshold, "leads")
    result = gx.expect_a_not_before_b(leads, "first_status_changed_at", "created_at")
    early = leads["first_status_changed_at"].notna() & (
        leads["first_status_changed_at"] < leads["created_at"]
    )
    reopens = pd.to_numeric(leads["reopen_count"]).fillna(0)
    steps_back = pd.to_numeric(leads["stage_step_back_count"]).fillna(0)
    details = {
        "reopened_leads": int((reopens > 0).sum()),
        "reopens": int(reopens.sum()),
        "leads_with_steps_back": int((steps_back > 0).sum()),
        "steps_back": int(steps_back.sum()),
        "reopened_sample": list(sample_ids(leads.loc[reopens > 0, "lead_id"], config.sample_size)),
        "steps_back_sample": list(
            sample_ids(leads.loc[steps_back > 0, "lead_id"], config.sample_size)
        ),
    }
    return _manager_outcome(
        leads,
        early,
        config,
        threshold=threshold,
        what="leads",
        problem="have a status event before the lead was created",
        details=details,
        passed=result.success and not early.any(),
    )


# ------------------------------------------------------------------------------------------
# Sources agree
# ------------------------------------------------------------------------------------------


def calls_to_registered_numbers(
    calls: pd.DataFrame, config: QualityConfig, clock: Clock
) -> CheckOutcome:
    """Every inbound call rang a number the registry covers on the call's date.

    Columns: call_id, tracking_number, call_date, attribution_rule (inbound calls only).
    """
    threshold = "0 inbound calls to a number missing from the registry on the call's date"
    if calls.empty:
        return _empty(threshold, "inbound calls")
    result = gx.expect_not_in_set(calls, "attribution_rule", ["unregistered_number"])
    unregistered = calls["attribution_rule"].astype("object") == "unregistered_number"
    bad = calls[unregistered]
    numbers = (
        bad.groupby("tracking_number", dropna=False)
        .agg(calls=("call_id", "size"), first=("call_date", "min"), last=("call_date", "max"))
        .sort_values("calls", ascending=False)
        .head(config.sample_size)
    )
    by_number = {
        str(number): {
            "calls": int(r.calls),
            "first_call": str(pd.Timestamp(r.first).date()),
            "last_call": str(pd.Timestamp(r.last).date()),
        }
        for number, r in numbers.iterrows()
    }
    listed = ", ".join(f"{n} ({v['calls']})" for n, v in by_number.items())
    return CheckOutcome(
        passed=result.success and bad.empty,
        failed_count=len(bad),
        total_count=len(calls),
        threshold=threshold,
        summary=(
            f"{_plural(len(bad), 'inbound call')} went to unregistered numbers "
            f"(counted as unattributed): {listed}"
            if len(bad)
            else f"all {_plural(len(calls), 'inbound call')} rang registered numbers"
        ),
        sample=sample_ids(bad["call_id"], config.sample_size),
        details={
            "unregistered_numbers": by_number,
            "unregistered_number_count": int(bad["tracking_number"].nunique()),
        },
        weeks=tally_by_week(calls, unregistered, calls["call_id"], config.sample_size),
    )


def answered_calls_have_lead_card(
    calls: pd.DataFrame, config: QualityConfig, clock: Clock
) -> CheckOutcome:
    """The share of answered first-time quality calls with a CRM lead card is above a floor.

    Columns: call_id, manager_id, started_at, call_status, is_first_time_caller, talk_seconds,
    has_lead (the call is linked to a lead in int_lead_calls). Calls younger than the grace
    period are left out: their cards may not exist yet.
    """
    threshold = f"share of answered first-time quality calls with a lead ≥ {config.card_share_min}"
    eligible = calls[
        (calls["call_status"].astype("object") == "answered")
        & as_bool(calls["is_first_time_caller"])
        & (pd.to_numeric(calls["talk_seconds"]) >= config.quality_call_seconds)
        & (calls["started_at"] <= clock.ago(hours=config.grace_hours))
    ].copy()
    if eligible.empty:
        return _empty(threshold, "answered first-time quality calls")
    eligible["has_lead"] = as_bool(eligible["has_lead"]).astype("int64")
    result = gx.expect_mean_at_least(eligible, "has_lead", config.card_share_min)
    share = float(eligible["has_lead"].mean())
    without = eligible[eligible["has_lead"] == 0]
    by_manager = (
        eligible.assign(manager_id=eligible["manager_id"].astype("object").fillna("(none)"))
        .groupby("manager_id")["has_lead"]
        .agg(["mean", "size"])
    )
    shares = {
        str(m): {"share": round(float(r["mean"]), 4), "calls": int(r["size"])}
        for m, r in by_manager.iterrows()
    }
    return CheckOutcome(
        passed=result.success,
        failed_count=len(without),
        total_count=len(eligible),
        threshold=threshold,
        summary=(
            f"{share:.1%} of {_plural(len(eligible), 'answered first-time quality call')} "
            f"have a lead card (floor {config.card_share_min:.0%})"
        ),
        sample=sample_ids(without["call_id"], config.sample_size) if not result.success else (),
        managers=per_manager(without["manager_id"]) if not result.success else {},
        details={"card_share": round(share, 4), "share_by_manager": shares},
        weeks=tally_by_week(
            eligible,
            eligible["has_lead"] == 0,
            eligible["call_id"],
            config.sample_size,
            eligible["manager_id"],
        ),
    )


def leads_reference_known_calls(
    leads: pd.DataFrame, config: QualityConfig, clock: Clock
) -> CheckOutcome:
    """Every lead that names a call_id names a call the tracker has.

    Columns: lead_id, manager_id, call_id, call_known (the tracker has call_id).
    """
    threshold = "0 leads pointing to a call_id the call tracker does not have"
    named = leads[leads["call_id"].notna()]
    if named.empty:
        return _empty(threshold, "leads naming a call")
    bad = ~as_bool(named["call_known"])
    outcome = _manager_outcome(
        named,
        bad,
        config,
        threshold=threshold,
        what="leads naming a call",
        problem="point to a call_id the tracker does not have",
    )
    pairs = named.loc[bad, ["lead_id", "call_id"]].sort_values("lead_id").head(config.sample_size)
    unknown = dict(zip(pairs["lead_id"], pairs["call_id"], strict=True))
    return replace(outcome, details={"unknown_calls": unknown})


def _channel_weeks(rows: pd.DataFrame) -> list[str]:
    weeks = pd.to_datetime(rows["week_start"]).dt.date.astype(str)
    return [f"{c} in week {w}" for w, c in zip(weeks, rows["channel"], strict=True)]


def _channel_week_tallies(rows: pd.DataFrame, bad: pd.Series, config: QualityConfig):
    labels = pd.Series(_channel_weeks(rows), index=rows.index, dtype="object")
    return tally_by_week(rows, bad, labels, config.sample_size)


def _weeks_both_cover(weekly: pd.DataFrame, clock: Clock) -> pd.DataFrame:
    """Paid channels' rows of complete weeks in which both calls and spend exist at all."""
    weekly = weekly[pd.to_datetime(weekly["week_start"]).dt.date <= clock.last_week_start]
    covered = weekly.groupby("week_start").agg(calls=("calls", "sum"), spend=("spend_rub", "sum"))
    both = covered[(covered["calls"] > 0) & (covered["spend"] > 0)].index
    paid = weekly[as_bool(weekly["is_paid"]) & weekly["week_start"].isin(both)]
    return paid


def paid_channels_with_calls_have_spend(
    weekly: pd.DataFrame, config: QualityConfig, clock: Clock
) -> CheckOutcome:
    """Every paid channel with calls in a week has spend that week.

    Columns: week_start, channel, is_paid, calls, spend_rub (one row per week and channel).
    Only weeks in which both the call tracker and the ad platforms have data are compared.
    """
    threshold = "0 weeks in which a paid channel had calls but no spend"
    paid = _weeks_both_cover(weekly, clock)
    if paid.empty:
        return _empty(threshold, "weeks with calls and spend")
    with_calls = paid[paid["calls"] > 0]
    no_spend = with_calls["spend_rub"].fillna(0) <= 0
    bad = with_calls[no_spend]
    gaps = _channel_weeks(bad)
    return CheckOutcome(
        passed=bad.empty,
        failed_count=len(bad),
        total_count=len(with_calls),
        threshold=threshold,
        summary=(
            f"paid channels with calls but no spend: {', '.join(gaps[: config.sample_size])}"
            if gaps
            else "every paid channel with calls has spend in the same week"
        ),
        sample=sample_ids(pd.Series(gaps, dtype="object"), config.sample_size),
        details={
            "calls_without_spend": {g: int(n) for g, n in zip(gaps, bad["calls"], strict=True)}
        },
        weeks=_channel_week_tallies(with_calls, no_spend, config),
    )


def paid_spend_has_calls(weekly: pd.DataFrame, config: QualityConfig, clock: Clock) -> CheckOutcome:
    """Spend on a paid channel in a week brought at least one call that week.

    Columns as `paid_channels_with_calls_have_spend`.
    """
    threshold = "0 weeks in which a paid channel had spend but no calls"
    paid = _weeks_both_cover(weekly, clock)
    if paid.empty:
        return _empty(threshold, "weeks with calls and spend")
    with_spend = paid[paid["spend_rub"].fillna(0) > 0]
    no_calls = with_spend["calls"] <= 0
    bad = with_spend[no_calls]
    gaps = _channel_weeks(bad)
    return CheckOutcome(
        passed=bad.empty,
        failed_count=len(bad),
        total_count=len(with_spend),
        threshold=threshold,
        summary=(
            f"paid spend without calls: {', '.join(gaps[: config.sample_size])}"
            if gaps
            else "every week's paid spend brought calls"
        ),
        sample=sample_ids(pd.Series(gaps, dtype="object"), config.sample_size),
        weeks=_channel_week_tallies(with_spend, no_calls, config),
        details={
            "spend_without_calls_rub": {
                g: round(float(s), 2) for g, s in zip(gaps, bad["spend_rub"], strict=True)
            }
        },
    )


# ------------------------------------------------------------------------------------------
# Freshness and volume (one evaluation per event source)
# ------------------------------------------------------------------------------------------


def source_is_fresh(newest: pd.DataFrame, config: QualityConfig, clock: Clock) -> CheckOutcome:
    """The source's newest record is at most `freshness_max_days` old at as_of.

    Columns: newest (naive UTC; one row, missing when the source is empty), rows.
    """
    threshold = f"newest record at most {config.freshness_max_days:g} days before as_of"
    value = newest["newest"].iloc[0] if len(newest) else None
    rows = int(newest["rows"].iloc[0]) if len(newest) else 0
    if value is None or pd.isna(value):
        return CheckOutcome(False, 1, rows, threshold, "the source has no records at all")
    age = clock.now_utc - pd.Timestamp(value)
    age_days = age / timedelta(days=1)
    passed = age_days <= config.freshness_max_days
    return CheckOutcome(
        passed=passed,
        failed_count=0 if passed else 1,
        total_count=rows,
        threshold=threshold,
        summary=f"newest record {pd.Timestamp(value)} UTC is {age_days:.1f} days old",
        details={"newest_utc": str(pd.Timestamp(value)), "age_days": round(age_days, 2)},
    )


def weekly_volume_holds(weekly: pd.DataFrame, config: QualityConfig, clock: Clock) -> CheckOutcome:
    """Last complete week's rows fall at most `volume_max_drop` below the previous weeks' mean.

    Columns: week_start (date), rows. Passes until `volume_baseline_weeks` earlier weeks exist.
    """
    n = config.volume_baseline_weeks
    floor = 1 - config.volume_max_drop
    threshold = f"last week's rows ≥ {floor:.0%} of the previous {n} weeks' mean"
    weeks = pd.to_datetime(weekly["week_start"]).dt.date
    counts = {w: int(r) for w, r in zip(weeks, weekly["rows"], strict=True)}
    week = clock.last_week_start
    baseline_weeks = [week - timedelta(days=7 * k) for k in range(1, n + 1)]
    first = min(counts) if counts else None
    if first is None or first > baseline_weeks[-1]:
        return CheckOutcome(
            True, 0, counts.get(week, 0), threshold, f"fewer than {n} earlier weeks of data yet"
        )
    current = counts.get(week, 0)
    baseline = sum(counts.get(w, 0) for w in baseline_weeks) / n
    ratio = current / baseline if baseline else None
    passed = baseline == 0 or current >= (1 - config.volume_max_drop) * baseline
    return CheckOutcome(
        passed=passed,
        failed_count=0 if passed else 1,
        total_count=current,
        threshold=threshold,
        summary=(
            f"week {week}: {current} rows against a mean of {baseline:.0f} in the {n} weeks "
            f"before" + (f" ({ratio:.0%})" if ratio is not None else "")
        ),
        details={
            "week_start": str(week),
            "rows": current,
            "baseline_mean": round(baseline, 1),
            "ratio": round(ratio, 4) if ratio is not None else None,
            "baseline": {str(w): counts.get(w, 0) for w in baseline_weeks},
        },
    )
