"""Tests of the demo-data simulator: contract shape, determinism, planted truths and faults."""

from __future__ import annotations

import csv
import dataclasses
import filecmp
import io
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import phonenumbers
import pytest

from orchestration.ingest.contract import CALLS, SOURCES, SOURCES_BY_NAME
from orchestration.settings import PROJECT_ROOT, Settings, parse_as_of
from orchestration.simulator import LandingNotEmptyError, SimulationResult, simulate
from orchestration.simulator import formatting as fmt
from orchestration.simulator import truths as T
from orchestration.simulator.__main__ import main

TZ = "Europe/Moscow"
AS_OF = "2026-11-27T09:00:00+03:00"  # a Friday: the last complete week is 16–22 November
SEEDS = PROJECT_ROOT / "seeds"
STATUS_CHOICES = set(CALLS.column("status").choices)


# ------------------------------------------------------------------------------------------------
# Runs shared by the tests (small and quick; one larger run for the statistical truths)
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> SimulationResult:
    return simulate(
        tmp_path_factory.mktemp("faulty"),
        weeks=4,
        calls_per_week=300,
        seed=11,
        as_of=AS_OF,
        timezone=TZ,
    )


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> SimulationResult:
    return simulate(
        tmp_path_factory.mktemp("clean"),
        weeks=4,
        calls_per_week=300,
        seed=11,
        as_of=AS_OF,
        timezone=TZ,
        clean=True,
    )


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> SimulationResult:
    return simulate(
        tmp_path_factory.mktemp("big"),
        weeks=8,
        calls_per_week=1500,
        seed=5,
        as_of=AS_OF,
        timezone=TZ,
    )


def load(result: SimulationResult, source: str) -> pd.DataFrame:
    """Every file of a source, in name order, with its file and physical line per row."""
    frames = []
    for rel in result.files[source]:
        frame = pd.read_csv(result.landing_dir / rel, dtype=str, keep_default_na=False)
        frame["_file"] = rel
        frame["_line"] = range(2, len(frame) + 2)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def local_time(text: str, tz: str = TZ) -> datetime | None:
    """Wall-clock business time of an ISO-8601 text (no offset = business time); None if bad."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return moment


def digits(phone: str) -> str:
    """A Russian number reduced to its 11 digits starting with 7 ('' when not one)."""
    d = re.sub(r"\D", "", phone)
    if len(d) == 10:
        d = "7" + d
    if len(d) == 11 and d[0] in "78":
        return "7" + d[1:]
    return ""


def possible(phone: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(phone, "RU"))
    except phonenumbers.NumberParseException:
        return False


def seed_codes(name: str, column: str) -> set[str]:
    return set(pd.read_csv(SEEDS / f"{name}.csv", dtype=str)[column])


def final_leads(leads: pd.DataFrame) -> pd.DataFrame:
    """The key rule for leads: latest updated_at, then later file, then later line."""
    leads = leads.assign(_updated=leads["updated_at"].map(local_time))
    ordered = leads.sort_values(["lead_id", "_updated", "_file", "_line"])
    return ordered.groupby("lead_id").tail(1).set_index("lead_id")


def last_status(events: pd.DataFrame) -> pd.Series:
    events = events.assign(_t=events["changed_at"].map(local_time))
    return events.sort_values(["lead_id", "_t"]).groupby("lead_id")["status"].last()


def registry_periods(result: SimulationResult) -> pd.DataFrame:
    """Registry rows after the key rule (later file replaces the same number and valid_from)."""
    reg = load(result, "tracking_numbers")
    reg["number"] = reg["tracking_number"].map(digits)
    return reg.groupby(["number", "valid_from"]).tail(1)


def attribute(result: SimulationResult, calls: pd.DataFrame) -> pd.DataFrame:
    """Inbound calls with the channel and campaign their number and utm tags give them."""
    reg = registry_periods(result)
    utm = dict(pd.read_csv(SEEDS / "utm_sources.csv", dtype=str).values)
    inbound = calls[calls["direction"] == "inbound"].copy()
    inbound["_t"] = inbound["started_at"].map(local_time)
    inbound = inbound[inbound["_t"].notna()]  # an unparseable time is rejected at ingestion
    inbound["number"] = inbound["tracking_number"].map(digits)
    inbound["_day"] = inbound["_t"].map(lambda t: t.date().isoformat())
    periods = inbound[["call_id", "number", "_day"]].merge(
        reg[["number", "valid_from", "valid_to", "channel", "campaign", "number_type"]],
        on="number",
    )
    periods = periods[
        (periods["valid_from"] <= periods["_day"])
        & ((periods["valid_to"] == "") | (periods["valid_to"] >= periods["_day"]))
    ]
    period = periods.drop_duplicates("call_id").set_index("call_id")
    found = inbound["call_id"].map(period["channel"]).notna()
    dynamic = inbound["call_id"].map(period["number_type"]).eq("dynamic")
    reg_channel = inbound["call_id"].map(period["channel"])
    reg_campaign = inbound["call_id"].map(period["campaign"])
    utm_channel = inbound["utm_source"].map(utm)
    channel = reg_channel.where(~(dynamic & utm_channel.notna()), utm_channel)
    campaign = reg_campaign.where(
        ~(dynamic & (inbound["utm_campaign"] != "")), inbound["utm_campaign"]
    )
    inbound["channel"] = channel.where(found, "unattributed")
    inbound["campaign"] = campaign.where(found, "")
    return inbound


# ------------------------------------------------------------------------------------------------
# Determinism, calendar, shape
# ------------------------------------------------------------------------------------------------


def test_same_arguments_write_byte_identical_files(tmp_path: Path) -> None:
    args = dict(weeks=3, calls_per_week=250, seed=3, as_of=AS_OF, timezone=TZ)
    first = simulate(tmp_path / "a", **args)
    second = simulate(tmp_path / "b", **args)
    simulate(tmp_path / "c", **{**args, "seed": 4})
    assert first.files == second.files
    names = [f for files in first.files.values() for f in files]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(names)
    calls = first.files["calls"][0]
    assert (tmp_path / "a" / calls).read_bytes() != (tmp_path / "c" / calls).read_bytes()


@pytest.mark.parametrize(
    ("as_of", "tz"),
    [
        ("2026-11-27T09:00:00+03:00", "Europe/Moscow"),
        ("2026-11-30T01:00:00+03:00", "Europe/Moscow"),  # Monday 01:00 in Moscow
        ("2026-11-30T01:00:00+03:00", "UTC"),  # the same instant is still Sunday in UTC
        ("2026-03-30T00:30:00", "Europe/Berlin"),
    ],
)
def test_calendar_agrees_with_settings(as_of: str, tz: str) -> None:
    moment = parse_as_of(as_of, ZoneInfo(tz))
    settings = dataclasses.replace(Settings.from_env(), as_of=moment, timezone=tz)
    monday, sunday = settings.last_complete_week()
    cal = T.calendar_for(moment, tz, weeks=5)
    assert cal.last_sunday == sunday
    assert cal.monday(4) == monday
    assert cal.first_monday == monday - timedelta(days=28)


@pytest.mark.parametrize(
    ("tz", "last_sunday"),
    [("Europe/Moscow", date(2026, 11, 29)), ("UTC", date(2026, 11, 22))],
)
def test_data_ends_on_the_last_complete_sunday(tmp_path: Path, tz: str, last_sunday: date) -> None:
    result = simulate(
        tmp_path,
        weeks=3,
        calls_per_week=200,
        seed=1,
        as_of="2026-11-30T01:00:00+03:00",
        timezone=tz,
        clean=True,
    )
    first_monday = last_sunday - timedelta(days=20)
    assert result.calendar.last_sunday == last_sunday
    assert result.files["calls"] == tuple(
        T.week_file("calls", first_monday + timedelta(days=7 * w)) for w in range(3)
    )
    for source, column in (
        ("calls", "started_at"),
        ("crm_leads", "updated_at"),
        ("crm_status_events", "changed_at"),
    ):
        days = {local_time(v, tz).date() for v in load(result, source)[column]}
        assert min(days) >= first_monday and max(days) == last_sunday, source
    cost_days = set(load(result, "ad_costs")["date"])
    assert min(cost_days) == first_monday.isoformat()
    assert max(cost_days) == last_sunday.isoformat()


def test_headers_follow_the_contract(faulty: SimulationResult) -> None:
    for source in SOURCES:
        expected = [c.name for c in source.columns]
        if source is CALLS:
            at = expected.index(T.EXTRA_CALL_COLUMN_AFTER) + 1
            expected = [*expected[:at], T.EXTRA_CALL_COLUMN, *expected[at:]]
        for rel in faulty.files[source.name]:
            with open(faulty.landing_dir / rel, encoding="utf-8", newline="") as f:
                assert next(csv.reader(f)) == expected, rel
    assert T.EXTRA_CALL_COLUMN not in {c.name for c in CALLS.columns}


def test_files_are_rfc4180_utf8_with_one_file_per_week(faulty: SimulationResult) -> None:
    cal = faulty.calendar
    for source in T.EVENT_SOURCES:
        assert faulty.files[source] == tuple(
            T.week_file(source, cal.monday(w)) for w in range(cal.weeks)
        )
    moved = faulty.truths.number_moved_on
    assert faulty.files["tracking_numbers"] == (
        f"tracking_numbers/{T.REGISTRY_FILE}",
        T.registry_update_file(moved),
    )
    quoted = 0
    for files in faulty.files.values():
        for rel in files:
            raw = (faulty.landing_dir / rel).read_bytes()
            text = raw.decode("utf-8")
            assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
            rows = list(csv.reader(io.StringIO(text, newline="")))
            assert {len(r) for r in rows} == {len(rows[0])}, rel
            assert len(rows) - 1 == len(text.split("\r\n")) - 2  # no field spans lines
            quoted += text.count('"')
    assert quoted > 0  # some values (commas, quotes) needed quoting


def test_row_counts_are_reported(faulty: SimulationResult) -> None:
    for source, files in faulty.files.items():
        rows = sum(len(load_one(faulty, f)) for f in files)
        assert faulty.rows[source] == rows, source
    assert faulty.rows["calls"] == 4 * 300 + len(faulty.faults.duplicate_calls)


def load_one(result: SimulationResult, rel: str) -> pd.DataFrame:
    return pd.read_csv(result.landing_dir / rel, dtype=str, keep_default_na=False)


def test_truths_use_codes_from_the_seeds() -> None:
    channels = pd.read_csv(SEEDS / "channels.csv", dtype=str)
    paid = set(channels.loc[channels["is_paid"] == "true", "channel"])
    assert set(T.INBOUND_CHANNELS) <= set(channels["channel"])
    assert set(T.PAID_CHANNELS) == paid
    assert set(T.STATUSES) == seed_codes("crm_statuses", "status")
    assert T.UNKNOWN_STATUS_CODE not in seed_codes("crm_statuses", "status")
    reasons = seed_codes("refusal_reasons", "refusal_reason")
    assert all(set(mix) <= reasons for mix in T.REFUSAL_MIX.values())
    utm = dict(pd.read_csv(SEEDS / "utm_sources.csv", dtype=str).values)
    for campaign in T.CAMPAIGNS:
        for source in campaign.utm_sources:
            assert utm[source] == campaign.channel, source
    assert abs(sum(T.CHANNEL_CALL_SHARES.values()) - 1) < 1e-9
    assert set(T.CHANNEL_APPLICATION_RATES) == set(T.INBOUND_CHANNELS)
    assert T.APPLICATION_RATE_ORDER.index("context") < T.APPLICATION_RATE_ORDER.index("organic")
    fx = seed_codes("fx_rates", "currency")
    assert set(T.DEAL_CURRENCY_SHARES) <= fx


# ------------------------------------------------------------------------------------------------
# Faults: none in clean mode, exactly the declared ones otherwise
# ------------------------------------------------------------------------------------------------


def _rejectable_calls(calls: pd.DataFrame) -> set[tuple[str, str, int, str]]:
    """(call_id, file, line, reason) of call rows an ingestion must reject."""
    out = set()
    for r in calls.to_dict("records"):
        reasons = []
        if r["caller_number"] not in ("", "anonymous") and not possible(r["caller_number"]):
            reasons.append("bad_phone:caller_number")
        if not re.fullmatch(r"\d+", r["talk_seconds"]):
            reasons.append("bad_integer:talk_seconds")
        if r["status"] not in STATUS_CHOICES:
            reasons.append("bad_choice:status")
        if local_time(r["started_at"]) is None:
            reasons.append("bad_timestamp:started_at")
        if r["direction"] == "inbound" and not possible(r["tracking_number"]):
            reasons.append("bad_phone:tracking_number")
        for reason in reasons:
            out.add((r["call_id"], r["_file"], r["_line"], reason))
    return out


def test_clean_run_has_no_faults(clean: SimulationResult) -> None:
    assert clean.faults.is_empty
    calls, leads = load(clean, "calls"), load(clean, "crm_leads")
    events, costs = load(clean, "crm_status_events"), load(clean, "ad_costs")
    assert _rejectable_calls(calls) == set()
    assert calls["call_id"].is_unique and leads["lead_id"].is_unique
    assert events["event_id"].is_unique
    assert set(events["status"]) <= seed_codes("crm_statuses", "status")
    assert not costs.groupby(["date", "channel"])["_file"].nunique().gt(1).any()
    assert (attribute(clean, calls)["channel"] != "unattributed").all()
    assert set(leads["lead_id"]) == set(events["lead_id"])
    linked = leads[leads["call_id"] != ""]
    assert set(linked["call_id"]) <= set(calls["call_id"])
    assert (leads["quality_score"] != "").all() and (leads["call_outcome"] != "").all()
    status = last_status(events)
    lost = leads[leads["lead_id"].map(status) == "lost"]
    won = leads[leads["lead_id"].map(status) == "won"]
    assert len(lost) > 20 and (lost["refusal_reason"] != "").all()
    assert len(won) > 5 and (won["amount"] != "").all()
    assert _paid_weeks_without_spend(clean) == set()
    assert _stale_leads(clean) == set()


def _paid_weeks_without_spend(result: SimulationResult) -> set[tuple[str, date]]:
    calls = attribute(result, load(result, "calls"))
    calls["monday"] = calls["_t"].map(lambda t: t.date() - timedelta(days=t.weekday()))
    costs = load(result, "ad_costs")
    costs["monday"] = costs["date"].map(
        lambda d: date.fromisoformat(d) - timedelta(days=date.fromisoformat(d).weekday())
    )
    with_calls = set(zip(calls["channel"], calls["monday"], strict=True))
    with_spend = set(zip(costs["channel"], costs["monday"], strict=True))
    return {(c, m) for c, m in with_calls if c in T.PAID_CHANNELS} - with_spend


def _stale_leads(result: SimulationResult) -> set[str]:
    """Open leads whose last status change is STALE_SAFE_DAYS or more before as_of."""
    events = load(result, "crm_status_events")
    events["_t"] = events["changed_at"].map(local_time)
    as_of = parse_as_of(AS_OF, ZoneInfo(TZ)).astimezone(ZoneInfo(TZ)).replace(tzinfo=None)
    last = events.sort_values("_t").groupby("lead_id").tail(1)
    open_ = last[~last["status"].isin(["won", "lost"])]
    return set(open_.loc[open_["_t"] <= as_of - timedelta(days=T.STALE_SAFE_DAYS), "lead_id"])


def test_faulty_run_rejects_exactly_the_declared_calls(faulty: SimulationResult) -> None:
    declared = {(r.call_id, r.file, r.line, r.reason) for r in faulty.faults.rejected_calls}
    assert len(declared) == len(T.CALL_REJECTS) == 4
    assert _rejectable_calls(load(faulty, "calls")) == declared
    calls = load(faulty, "calls").set_index(["_file", "_line"])
    for r in faulty.faults.rejected_calls:
        assert calls.loc[(r.file, r.line), r.column] == r.value


def test_faulty_run_has_exactly_the_declared_unknown_status_events(
    faulty: SimulationResult,
) -> None:
    events = load(faulty, "crm_status_events")
    unknown = events[~events["status"].isin(seed_codes("crm_statuses", "status"))]
    found = set(zip(unknown["event_id"], unknown["lead_id"], unknown["status"], strict=True))
    assert found == set(faulty.faults.unknown_status_events) and len(found) == 1


def test_faulty_run_has_exactly_the_declared_duplicates(faulty: SimulationResult) -> None:
    calls = load(faulty, "calls")
    dup = calls[calls["call_id"].duplicated(keep=False)]
    (declared,) = faulty.faults.duplicate_calls
    assert set(dup["call_id"]) == {declared.call_id}
    first, second = dup.iloc[0], dup.iloc[1]
    assert (first["_file"], first["_line"]) == (declared.first_file, declared.first_line)
    assert second["_file"] == declared.second_file and declared.first_file < declared.second_file
    assert int(second["talk_seconds"]) == int(first["talk_seconds"]) + declared.delta
    assert int(first["talk_seconds"]) > 0

    leads = load(faulty, "crm_leads")
    dup_leads = leads[leads["lead_id"].duplicated(keep=False)]
    assert set(dup_leads["lead_id"]) == {d.lead_id for d in faulty.faults.duplicate_leads}
    assert len(dup_leads) == 2 * len(faulty.faults.duplicate_leads) == 4
    winners = final_leads(leads)
    for d in faulty.faults.duplicate_leads:
        rows = dup_leads[dup_leads["lead_id"] == d.lead_id].sort_values(["_file", "_line"])
        earlier, later = rows.iloc[0], rows.iloc[1]
        assert earlier["_file"] < later["_file"]
        newer = later if d.later_file_is_newer else earlier
        older = earlier if d.later_file_is_newer else later
        assert local_time(newer["updated_at"]) > local_time(older["updated_at"])
        assert older["call_outcome"] == "" and newer["call_outcome"] != ""
        assert winners.loc[d.lead_id, "call_outcome"] == newer["call_outcome"]

    costs = load(faulty, "ad_costs")
    files_per_day = costs.groupby(["date", "channel"])["_file"].nunique()
    repeated = set(files_per_day[files_per_day > 1].index)
    (reexport,) = faulty.faults.cost_reexports
    assert repeated == {(reexport.date.isoformat(), reexport.channel)}
    day = costs[(costs["date"] == reexport.date.isoformat()) & (costs["channel"] == "targeted")]
    old = day[day["_file"] == reexport.first_file].set_index("campaign")
    new = day[day["_file"] == reexport.second_file].set_index("campaign")
    assert set(old.index) == set(new.index) == {"vk_leadgen", "mytarget_retarget"}
    for campaign in old.index:
        expected = round(float(old.loc[campaign, "cost"]) * reexport.factor, 2)
        assert float(new.loc[campaign, "cost"]) == pytest.approx(expected, abs=0.011)
    # Only a whole-day replacement drops the first export's mangled headline.
    assert set(old["headline"]) != set(new["headline"])


def test_faulty_run_has_exactly_the_declared_reference_gaps(faulty: SimulationResult) -> None:
    calls, leads = load(faulty, "calls"), load(faulty, "crm_leads")
    events = load(faulty, "crm_status_events")
    attributed = attribute(faulty, calls)
    unattributed = attributed[attributed["channel"] == "unattributed"]
    assert set(unattributed["call_id"]) == set(faulty.faults.unregistered_calls)
    assert set(unattributed["number"]) == {digits(T.UNREGISTERED_NUMBER)}
    assert len(faulty.faults.unregistered_calls) == 3

    assert set(leads["lead_id"]) - set(events["lead_id"]) == set(faulty.faults.leads_without_events)
    linked = leads[leads["call_id"] != ""]
    unknown = linked[~linked["call_id"].isin(calls["call_id"])]
    assert set(zip(unknown["lead_id"], unknown["call_id"], strict=True)) == set(
        faulty.faults.leads_with_unknown_call
    )
    # Its contact phone still matches an earlier call, so the phone rule can link it.
    ((lead_id, _),) = faulty.faults.leads_with_unknown_call
    lead = final_leads(leads).loc[lead_id]
    earlier = calls[calls["caller_number"].map(digits) == digits(lead["contact_phone"])]
    assert len(earlier) >= 1


def test_faulty_run_has_exactly_the_declared_data_quality_gaps(faulty: SimulationResult) -> None:
    leads = final_leads(load(faulty, "crm_leads"))
    blank_score = leads[leads["quality_score"] == ""]
    assert set(blank_score.index) == set(faulty.blank_score_leads)
    assert set(blank_score["manager_id"]) == {T.SCORE_SKIPPER}
    skipper = leads[leads["manager_id"] == T.SCORE_SKIPPER]
    assert len(blank_score) / len(skipper) > 0.4

    status = last_status(load(faulty, "crm_status_events"))
    lost = leads[leads.index.map(status) == "lost"]
    blank_reason = lost[lost["refusal_reason"] == ""]
    assert set(blank_reason.index) == set(faulty.blank_reason_leads)
    assert set(blank_reason["manager_id"]) == {T.REASON_SKIPPER}
    assert len(blank_reason) / (lost["manager_id"] == T.REASON_SKIPPER).sum() > 0.3

    assert _paid_weeks_without_spend(faulty) == set(faulty.faults.no_spend)
    stale = _stale_leads(faulty)
    assert stale == set(faulty.faults.stale_leads) and len(stale) == 3
    assert set(leads.loc[list(stale), "manager_id"]) == {T.STALE_MANAGER}

    won = leads[leads.index.map(status) == "won"]
    assert set(won.index[won["amount"] == ""]) == set(faulty.faults.won_without_amount)


def test_clean_and_faulty_runs_differ_only_by_the_faults(
    clean: SimulationResult, faulty: SimulationResult
) -> None:
    c, f = load(clean, "calls"), load(faulty, "calls")
    f_first = f.drop_duplicates("call_id", keep="first").set_index("call_id")
    c = c.set_index("call_id")
    assert list(c.index) == list(f_first.index)
    differs = (c != f_first).any(axis=1)
    planted = {r.call_id for r in faulty.faults.rejected_calls} | set(
        faulty.faults.unregistered_calls
    )
    assert set(c.index[differs]) == planted
    for rel in clean.files["tracking_numbers"]:
        assert (clean.landing_dir / rel).read_bytes() == (faulty.landing_dir / rel).read_bytes()

    # Status events: the faulty run adds the unknown code, drops one lead's history and cuts
    # the stale leads after their first contact; nothing else changes.
    fields = ["event_id", "lead_id", "changed_at", "status", "changed_by"]
    ce = set(map(tuple, load(clean, "crm_status_events")[fields].to_numpy()))
    fe = set(map(tuple, load(faulty, "crm_status_events")[fields].to_numpy()))
    assert {e[0] for e in fe - ce} == {e[0] for e in faulty.faults.unknown_status_events}
    removed = ce - fe
    assert {e[1] for e in removed} == set(faulty.faults.leads_without_events) | set(
        faulty.faults.stale_leads
    )
    assert {e[3] for e in removed if e[1] in faulty.faults.stale_leads}.isdisjoint(
        {"new", "first_contact"}
    )

    # Lead cards: only the planted leads and the skipped fields differ.
    cl, fl = final_leads(load(clean, "crm_leads")), final_leads(load(faulty, "crm_leads"))
    assert list(cl.index) == list(fl.index)
    cols = [c.name for c in SOURCES_BY_NAME["crm_leads"].columns if c.name != "lead_id"]
    changed = set(cl.index[(cl[cols] != fl[cols]).any(axis=1)])
    f = faulty.faults
    assert changed == (
        set(faulty.blank_score_leads)
        | set(faulty.blank_reason_leads)
        | set(f.stale_leads)
        | set(f.won_without_amount)
        | {lid for lid, _ in f.leads_with_unknown_call}
    )

    # Ad costs: the first export of the re-exported day, its re-export, the week without spend.
    key = ["date", "channel", "campaign", "headline", "cost", "_file"]
    cc = set(map(tuple, load(clean, "ad_costs")[key].to_numpy()))
    fc = set(map(tuple, load(faulty, "ad_costs")[key].to_numpy()))
    (reexport,) = f.cost_reexports
    ((no_spend_channel, no_spend_monday),) = f.no_spend
    for row in cc - fc:
        same_day = row[0] == reexport.date.isoformat() and row[1] == reexport.channel
        in_gap = row[1] == no_spend_channel and (
            no_spend_monday <= date.fromisoformat(row[0]) < no_spend_monday + timedelta(days=7)
        )
        assert same_day or in_gap, row
    assert any(r[1] == no_spend_channel for r in cc - fc)
    for row in fc - cc:
        assert row[0] == reexport.date.isoformat() and row[1] == reexport.channel, row


# ------------------------------------------------------------------------------------------------
# Planted truths, visible in the raw files
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_calls(big: SimulationResult) -> pd.DataFrame:
    return attribute(big, load(big, "calls"))


@pytest.fixture(scope="module")
def big_leads(big: SimulationResult) -> pd.DataFrame:
    leads = final_leads(load(big, "crm_leads"))
    leads["status"] = leads.index.map(last_status(load(big, "crm_status_events")))
    return leads


def test_application_rates_follow_the_declared_channel_order(
    big_calls: pd.DataFrame, big_leads: pd.DataFrame
) -> None:
    apps = set(big_leads.loc[big_leads["call_outcome"] == "application", "call_id"])
    calls = big_calls[big_calls["channel"] != "unattributed"]
    rate = calls.assign(app=calls["call_id"].isin(apps)).groupby("channel")["app"].mean()
    for channel, declared in T.CHANNEL_APPLICATION_RATES.items():
        assert rate[channel] == pytest.approx(declared, abs=0.03), channel
    assert rate["context"] > 2 * rate["organic"]
    top, bottom = T.APPLICATION_RATE_ORDER[:3], T.APPLICATION_RATE_ORDER[-3:]
    assert min(rate[list(top)]) > max(rate[list(bottom)])


def test_refusal_reasons_have_the_declared_dominant_reason(
    big_calls: pd.DataFrame, big_leads: pd.DataFrame
) -> None:
    channel = dict(zip(big_calls["call_id"], big_calls["channel"], strict=True))
    lost = big_leads[(big_leads["status"] == "lost") & (big_leads["refusal_reason"] != "")]
    lost = lost.assign(channel=lost["call_id"].map(channel))
    for ch, reason in T.DOMINANT_REFUSAL.items():
        shares = lost.loc[lost["channel"] == ch, "refusal_reason"].value_counts(normalize=True)
        assert shares.index[0] == reason, ch
        assert shares.iloc[0] - shares.iloc[1] > 0.1, ch


def test_strong_manager_wins_markedly_more_often(big_leads: pd.DataFrame) -> None:
    won = big_leads.assign(won=big_leads["status"] == "won").groupby("manager_id")["won"].mean()
    others = won.drop(T.STRONG_MANAGER)
    assert won[T.STRONG_MANAGER] > 1.4 * others.mean()
    assert won[T.STRONG_MANAGER] > others.max()


def test_calls_get_longer_after_the_headline_change(
    big: SimulationResult, big_calls: pd.DataFrame
) -> None:
    hc = T.HEADLINE_CHANGE
    changed = big.truths.headline_changed_on
    answered = big_calls[
        (big_calls["status"] == "answered")
        & (big_calls["talk_seconds"].astype(int) >= T.SHORT_CALL_SECONDS)
    ]
    talk = answered["talk_seconds"].astype(int)
    after = answered["_t"].map(lambda t: t.date() >= changed)
    ours = (answered["channel"] == hc.channel) & (answered["campaign"] == hc.campaign)
    assert talk[ours & after].mean() > 1.25 * talk[ours & ~after].mean()
    rest = (answered["channel"] == hc.channel) & ~ours
    assert talk[rest & after].mean() < 1.1 * talk[rest & ~after].mean()

    costs = load(big, "ad_costs")
    rows = costs[(costs["channel"] == hc.channel) & (costs["campaign"] == hc.campaign)]
    before = rows["date"] < changed.isoformat()
    assert set(rows.loc[before, "headline"]) == {hc.old_headline}
    assert set(rows.loc[~before, "headline"]) == {hc.new_headline}


def test_headline_periods_include_a_return_and_a_split_day(big: SimulationResult) -> None:
    costs = load(big, "ad_costs")
    rh = T.RETURNING_HEADLINE
    tg = costs[costs["campaign"] == rh.campaign].sort_values("date")
    runs = [h for i, h in enumerate(tg["headline"]) if i == 0 or h != tg["headline"].iloc[i - 1]]
    assert runs == [rh.headline_a, rh.headline_b, rh.headline_a]
    first_b, last_b = big.truths.returning_headline_b_days
    assert set(tg.loc[tg["headline"] == rh.headline_b, "date"]) == {
        (first_b + timedelta(days=d)).isoformat() for d in range((last_b - first_b).days + 1)
    }
    sd = T.SPLIT_HEADLINE_DAY
    per_day = costs[costs["campaign"] == sd.campaign].groupby("date")["headline"].nunique()
    assert set(per_day[per_day > 1].index) == {big.truths.split_headline_day.isoformat()}


def test_weekday_and_hour_patterns(big_calls: pd.DataFrame) -> None:
    weekday = big_calls["_t"].map(lambda t: t.weekday())
    hour = big_calls["_t"].map(lambda t: t.hour)
    per_day = weekday.value_counts()
    workday_mean = per_day[[0, 1, 2, 3, 4]].mean()
    for day in T.QUIET_WEEKDAYS:
        assert per_day[day] < 0.5 * workday_mean
    weekday_hours = hour[weekday < 5].value_counts()
    assert weekday_hours.idxmax() in T.PEAK_HOURS
    assert weekday_hours[list(T.PEAK_HOURS)].min() > 3 * weekday_hours[[8, 19]].max()
    assert weekday_hours.get(3, 0) < 0.02 * weekday_hours.max()


def test_callers_are_realistic(big: SimulationResult, big_calls: pd.DataFrame) -> None:
    calls = load(big, "calls")
    n = len(calls)
    status = calls["status"].value_counts(normalize=True)
    assert 0.65 < status["answered"] < 0.9
    assert {"missed", "voicemail", "busy"} <= set(status.index)
    outbound = calls[calls["direction"] == "outbound"]
    assert 0.04 < len(outbound) / n < 0.08 and (outbound["tracking_number"] == "").all()

    hidden = big_calls["caller_number"].isin(["", "anonymous"])
    assert 0.02 < hidden.mean() < 0.06
    assert {"", "anonymous"} <= set(big_calls.loc[hidden, "caller_number"])

    answered = big_calls[big_calls["status"] == "answered"]
    talk = answered["talk_seconds"].astype(int)
    short = answered[talk < T.SHORT_CALL_SECONDS]
    assert 0.04 < len(short) / len(answered) < 0.15
    spam = {digits(x) for x in T.SPAM_NUMBERS}
    assert short["caller_number"].map(digits).isin(spam).mean() > 0.5
    assert (talk >= T.QUALITY_CALL_SECONDS).mean() > 0.7

    # Repeat callers: the same person calls again within days.
    people = big_calls[~hidden & ~big_calls["caller_number"].map(digits).isin(spam)]
    people = people.assign(num=people["caller_number"].map(digits)).sort_values("_t")
    gap = people.groupby("num")["_t"].diff()
    repeat = gap.notna() & (gap <= pd.Timedelta(days=14))
    assert 0.12 < repeat.mean() < 0.3

    patterns = [
        r"\+7\d{10}",
        r"\+7 \(\d{3}\) \d{3}-\d{2}-\d{2}",
        r"8 \d{3} \d{3} \d{2} \d{2}",
        r"8\d{10}",
        r"7-\d{3}-\d{3}-\d{2}-\d{2}",
        r"8\(\d{3}\)\d{3}-\d{2}-\d{2}",
        r"7\d{10}",
    ]
    shown = big_calls.loc[~hidden, "caller_number"]
    for pattern in patterns:
        assert shown.str.fullmatch(pattern).any(), pattern
    rejected = {r.call_id for r in big.faults.rejected_calls}
    sample = big_calls.loc[~hidden & ~big_calls["call_id"].isin(rejected), "caller_number"]
    assert sample.drop_duplicates().head(400).map(possible).all()


def test_timestamps_mix_business_time_and_explicit_offsets(big: SimulationResult) -> None:
    for source, column in (
        ("calls", "started_at"),
        ("crm_leads", "created_at"),
        ("crm_status_events", "changed_at"),
    ):
        values = load(big, source)[column]
        naive = values.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        offset = values.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00")
        zulu = values.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
        assert naive.mean() > 0.6 and offset.any() and zulu.any(), source
        if source != "calls":
            assert (naive | offset | zulu).all()


def test_offsets_are_those_of_the_business_time_zone(tmp_path: Path) -> None:
    """Across a daylight-saving change, offsets are the zone's own and no wall time is skipped."""
    tz = ZoneInfo("Europe/Berlin")
    result = simulate(tmp_path, weeks=3, calls_per_week=2000, seed=2, as_of="2026-04-08",
                      timezone="Europe/Berlin", clean=True)  # fmt: skip
    assert result.calendar.first_monday <= date(2026, 3, 29) <= result.calendar.last_sunday
    values = load(result, "calls")["started_at"]
    offsets = set()
    for text in values:
        moment = datetime.fromisoformat(text)
        if text.endswith("Z"):
            continue
        if moment.tzinfo is None:  # a business wall time that exists in the zone
            assert moment.replace(tzinfo=tz).astimezone(tz).replace(tzinfo=None) == moment
        else:
            wall = moment.replace(tzinfo=None)
            assert wall.replace(tzinfo=tz).utcoffset() == moment.utcoffset(), text
            offsets.add(text[-6:])
    assert offsets == {"+01:00", "+02:00"}


def test_formatting_renders_every_phone_style_and_timestamp_style() -> None:
    national = np.full(len(T.PHONE_FORMATS), 9161234567)
    shown = fmt.phones(national, np.arange(len(T.PHONE_FORMATS))).to_pylist()
    assert shown == list(T.PHONE_FORMATS)
    assert {phonenumbers.format_number(phonenumbers.parse(s, "RU"), 0) for s in shown} == {
        "+79161234567"
    }
    wall = datetime(2026, 3, 29, 2, 30)  # inside the spring-forward gap in Berlin
    seconds = np.array([int((wall - datetime(1970, 1, 1)).total_seconds())] * 3)
    moved = fmt.real_local(seconds, "Europe/Berlin")
    assert moved[0] - seconds[0] == 1800  # to 03:00, the first wall time after the gap
    text = fmt.timestamps(moved, np.array([0, 1, 2]), "Europe/Berlin").to_pylist()
    assert text == ["2026-03-29T03:00:00", "2026-03-29T03:00:00+02:00", "2026-03-29T01:00:00Z"]


def test_dynamic_numbers_carry_utm_tags_from_the_seeds(
    big: SimulationResult, big_calls: pd.DataFrame
) -> None:
    reg = registry_periods(big)
    dynamic = set(reg.loc[reg["number_type"] == "dynamic", "number"])
    via_pool = big_calls[big_calls["number"].isin(dynamic)]
    tagged = via_pool[via_pool["utm_source"] != ""]
    assert set(tagged["utm_source"]) <= seed_codes("utm_sources", "utm_source")
    assert (via_pool["utm_source"] == "").any()  # direct site visitors fall back to `site`
    assert (tagged["session_id"] != "").all()
    static = big_calls[~big_calls["number"].isin(dynamic)]
    assert (static["utm_source"] == "").all()
    assert set(via_pool["channel"]) >= {"context", "targeted", "social", "email", "organic", "site"}


def test_moved_number_rings_for_its_new_channel_from_the_known_date(
    big: SimulationResult, big_calls: pd.DataFrame
) -> None:
    mv = T.MOVED_NUMBER
    moved_on = big.truths.number_moved_on
    ours = big_calls[big_calls["number"] == digits(mv.number)]
    before = ours["_t"].map(lambda t: t.date() < moved_on)
    assert before.sum() > 5 and (~before).sum() > 5
    assert set(ours.loc[before, "channel"]) == {mv.old_channel}
    assert set(ours.loc[~before, "channel"]) == {mv.new_channel}
    later = load_one(big, T.registry_update_file(moved_on))
    assert set(later["valid_to"]) == {(moved_on - timedelta(days=1)).isoformat(), ""}
    costs = load(big, "ad_costs")
    old = costs[costs["campaign"] == mv.old_campaign]
    assert old["date"].max() == (moved_on - timedelta(days=1)).isoformat()


def test_leads_follow_their_calls_and_the_funnel(
    big: SimulationResult, big_calls: pd.DataFrame, big_leads: pd.DataFrame
) -> None:
    calls = big_calls.drop_duplicates("call_id", keep="last").set_index("call_id")
    from_call = big_leads[big_leads["call_id"].isin(calls.index)]
    call = calls.loc[from_call["call_id"]]
    ends = (
        call["_t"].to_numpy()
        + pd.to_timedelta(
            call["talk_seconds"].astype(int) + call["wait_seconds"].astype(int), unit="s"
        ).to_numpy()
    )
    delay = pd.Series(from_call["created_at"].map(local_time).to_numpy() - ends)
    assert delay.between(pd.Timedelta(0), pd.Timedelta(minutes=16)).mean() > 0.99
    assert (call["status"] == "answered").all()

    phone_only = big_leads[big_leads["call_id"] == ""]
    assert len(phone_only) == big.truths.phone_match_leads == len(big.phone_match_leads)
    by_number = big_calls.assign(num=big_calls["caller_number"].map(digits)).groupby("num")["_t"]
    times = {num: list(ts) for num, ts in by_number}
    for created, phone in zip(phone_only["created_at"], phone_only["contact_phone"], strict=True):
        moment = local_time(created)
        assert any(
            timedelta(0) < moment - t <= timedelta(days=30) for t in times.get(digits(phone), [])
        ), phone

    events = load(big, "crm_status_events")
    events["_t"] = events["changed_at"].map(local_time)
    events = events.sort_values(["lead_id", "_t"])
    first = events.groupby("lead_id").head(1)
    assert set(first["status"]) == {"new"}
    won_at = events[events["status"] == "won"].groupby("lead_id")["_t"].max()
    created = big_leads["created_at"].map(local_time)
    days = (won_at - created.reindex(won_at.index)).dt.days
    assert 4 <= days.median() <= 30 and days.max() >= 10
    gaps = events.groupby("lead_id")["_t"].diff().dropna()
    assert gaps.max() < pd.Timedelta(days=T.MAX_STATUS_GAP_DAYS)

    won = big_leads[big_leads["status"] == "won"]
    assert {"USD", "EUR"} <= set(won["currency"]) and (won["currency"] == "").any()
    assert set(big_leads["quality_score"]) - {""} <= {"1", "2", "3", "4", "5"}
    assert set(big_leads["manager_id"]) == set(T.MANAGERS)


def test_most_answered_first_time_quality_calls_get_a_card(
    big_calls: pd.DataFrame, big_leads: pd.DataFrame
) -> None:
    calls = big_calls.assign(num=big_calls["caller_number"].map(digits)).sort_values("_t")
    first_time = ~calls["num"].duplicated() & (calls["num"] != "")  # the run is < 180 days
    quality = calls["talk_seconds"].astype(int) >= T.QUALITY_CALL_SECONDS
    chosen = calls[first_time & quality & (calls["status"] == "answered")]
    share = chosen["call_id"].isin(big_leads["call_id"]).mean()
    assert T.CARD_SHARE_FLOOR < share < 0.8


def test_reopened_leads_have_a_status_after_won_or_lost(big: SimulationResult) -> None:
    events = load(big, "crm_status_events")
    events["_t"] = events["changed_at"].map(local_time)
    story = events.sort_values("_t").groupby("lead_id")["status"].agg(list)
    (won_then_lost,) = big.truths.reopened_won_then_lost
    (lost_then_won,) = big.truths.reopened_lost_then_won
    assert story[won_then_lost][-3:] == ["won", "negotiation", "lost"]
    assert "lost" in story[lost_then_won][:-1] and story[lost_then_won][-1] == "won"
    terminal = {"won", "lost"}
    reopened = {
        lid
        for lid, s in story.items()
        if any(a in terminal and b not in terminal for a, b in zip(s, s[1:], strict=False))
    }
    assert reopened == {won_then_lost, lost_then_won}


def test_ad_costs_report_per_paid_campaign_and_day(big: SimulationResult) -> None:
    costs = load(big, "ad_costs")
    assert set(costs["channel"]) == set(T.PAID_CHANNELS)
    outdoor = costs[costs["channel"] == "outdoor"]
    online = costs[costs["channel"] != "outdoor"]
    assert (outdoor["reach"] != "").all() and (outdoor["impressions"] == "").all()
    assert (online["impressions"] != "").all() and (online["reach"] == "").all()
    assert (costs["cost"].astype(float) > 0).all()
    assert set(costs["vat_included"]) == {"true", "false", "", "1"}
    assert (costs.loc[costs["channel"] == "context", "vat_included"] == "true").all()


# ------------------------------------------------------------------------------------------------
# Landing folder handling and the command line
# ------------------------------------------------------------------------------------------------


def test_refuses_a_landing_folder_that_holds_files(tmp_path: Path) -> None:
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "mine.csv").write_text("call_id\n")
    with pytest.raises(LandingNotEmptyError, match="--overwrite"):
        simulate(tmp_path, weeks=1, calls_per_week=200, as_of=AS_OF, timezone=TZ)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["mine.csv"]


def test_overwrite_empties_only_the_source_folders(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.csv").write_text("keep me too")
    (tmp_path / "crm_leads" / "old").mkdir(parents=True)
    (tmp_path / "crm_leads" / "old" / "stale.csv").write_text("lead_id\n")
    (tmp_path / "ad_costs").mkdir()
    (tmp_path / "ad_costs" / "ad_costs_2020-01-06.csv").write_text("date\n")
    result = simulate(
        tmp_path, weeks=1, calls_per_week=200, as_of=AS_OF, timezone=TZ, overwrite=True
    )
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert (tmp_path / "other" / "x.csv").exists()
    assert not (tmp_path / "crm_leads" / "old").exists()
    assert not (tmp_path / "ad_costs" / "ad_costs_2020-01-06.csv").exists()
    written = {
        str(p.relative_to(tmp_path))
        for s in SOURCES_BY_NAME
        for p in (tmp_path / s).rglob("*")
        if p.is_file()
    }
    assert written == {f for files in result.files.values() for f in files}


def test_command_line_prints_one_line_per_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--weeks",
            "2",
            "--calls-per-week",
            "200",
            "--seed",
            "2",
            "--landing",
            str(tmp_path),
            "--as-of",
            AS_OF,
            "--clean",
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    for source in SOURCES_BY_NAME:
        (line,) = [x for x in out if x.startswith(f"{source}: ")]
        files = sorted((tmp_path / source).glob("*.csv"))
        rows = sum(len(load_csv(f)) for f in files)
        assert line == f"{source}: {len(files)} files, {rows:,} rows"

    code = main(
        ["--weeks", "2", "--calls-per-week", "200", "--landing", str(tmp_path), "--as-of", AS_OF]
    )
    captured = capsys.readouterr()
    assert code == 2 and "already holds" in captured.err and captured.out == ""


def load_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_rejects_runs_too_small_to_plant_the_truths(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="calls per week"):
        simulate(
            tmp_path, weeks=2, calls_per_week=T.MIN_CALLS_PER_WEEK - 1, as_of=AS_OF, timezone=TZ
        )
    with pytest.raises(ValueError, match="weeks"):
        simulate(tmp_path, weeks=0, as_of=AS_OF, timezone=TZ)


def test_short_runs_plant_only_what_fits(tmp_path: Path) -> None:
    result = simulate(tmp_path, weeks=1, calls_per_week=200, as_of=AS_OF, timezone=TZ)
    faults = result.faults
    assert len(faults.rejected_calls) == 2  # the two planted in the first week
    assert not faults.duplicate_calls and not faults.stale_leads
    calls = load(result, "calls")
    assert {r[0] for r in _rejectable_calls(calls)} == {r.call_id for r in faults.rejected_calls}


def test_memory_stays_flat_as_weeks_grow() -> None:
    """Peak memory of a 2-week and an 8-week run (same weekly volume) in fresh processes."""
    script = (
        "import resource, sys, tempfile\n"
        "from orchestration.simulator import simulate\n"
        "with tempfile.TemporaryDirectory() as d:\n"
        "    simulate(d, weeks=int(sys.argv[1]), calls_per_week=15000, seed=1,\n"
        f"             as_of='{AS_OF}', timezone='{TZ}')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    peak = {}
    for weeks in (2, 8):
        out = subprocess.run(
            [sys.executable, "-c", script, str(weeks)],
            capture_output=True,
            text=True,
            check=True,
            cwd=PROJECT_ROOT,
        )
        peak[weeks] = int(out.stdout.strip().splitlines()[-1])
    assert peak[8] < 1.2 * peak[2], peak
