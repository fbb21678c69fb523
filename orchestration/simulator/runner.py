"""Run the simulator: stream weeks into the landing folder, plant faults, report the output."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.contract import AD_COSTS, CALLS, CRM_LEADS, CRM_STATUS_EVENTS, SOURCES
from orchestration.settings import Settings, parse_as_of
from orchestration.simulator import engine as E
from orchestration.simulator import formatting as fmt
from orchestration.simulator import truths as T

SOURCE_FOLDERS: tuple[str, ...] = tuple(s.folder for s in SOURCES)


class LandingNotEmptyError(RuntimeError):
    """The landing folder already holds files and overwriting was not asked for."""


def calls_file_columns() -> list[str]:
    """Header of a calls file: the contract's columns with the extra tracker column inside."""
    names = [c.name for c in CALLS.columns]
    names.insert(names.index(T.EXTRA_CALL_COLUMN_AFTER) + 1, T.EXTRA_CALL_COLUMN)
    return names


@dataclass(frozen=True)
class SimulationResult:
    """What one run wrote, and where its planted faults and gaps are."""

    landing_dir: Path
    calendar: T.Calendar
    calls_per_week: int
    seed: int
    timezone: str
    clean: bool
    files: dict[str, tuple[str, ...]]  # source → landing-relative paths, in name order
    rows: dict[str, int]  # source → data rows written (headers excluded)
    faults: T.PlantedFaults
    truths: T.PlantedTruths
    # Data-dependent detail of the planted data-quality gaps and of phone-only leads.
    blank_score_leads: tuple[str, ...] = ()
    blank_reason_leads: tuple[str, ...] = ()
    phone_match_leads: tuple[str, ...] = ()

    def summary_lines(self) -> list[str]:
        return [
            f"{source}: {len(self.files[source])} files, {self.rows[source]:,} rows"
            for source in SOURCE_FOLDERS
        ]


def prepare_landing(landing: Path, overwrite: bool) -> None:
    """Refuse a landing folder that holds files, or empty its five source folders if told to."""
    landing.mkdir(parents=True, exist_ok=True)
    existing = sorted(p for p in landing.rglob("*") if p.is_file())
    if existing and not overwrite:
        shown = ", ".join(str(p.relative_to(landing)) for p in existing[:3])
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        raise LandingNotEmptyError(
            f"the landing folder {landing} already holds {len(existing)} file(s) ({shown}{more}); "
            "pass --overwrite to replace the contents of its source folders "
            f"({', '.join(SOURCE_FOLDERS)})"
        )
    for folder in SOURCE_FOLDERS:
        target = landing / folder
        if target.is_dir():
            for child in target.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        target.mkdir(exist_ok=True)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """RFC 4180: comma, CRLF line ends, quotes only where a value needs them, UTF-8."""
    frame.to_csv(path, index=False, lineterminator="\r\n", encoding="utf-8")


def _frame(columns: dict[str, pa.Array | np.ndarray | list[str]]) -> pd.DataFrame:
    """A frame of text columns (pandas' Arrow-backed strings) from Arrow or numpy columns."""
    return pa.table(
        {
            k: pa.array(v, pa.string()) if not isinstance(v, pa.Array) else v
            for k, v in columns.items()
        }
    ).to_pandas()


class _Writer:
    """Writes one run's files and keeps the small cross-week state (pending rows, re-exports)."""

    def __init__(self, plan: E.Plan, landing: Path, first_week: int = 0) -> None:
        self.plan = plan
        self.landing = landing
        self.first_week = first_week  # weeks before it are generated (for their state) unwritten
        self.files: dict[str, list[str]] = {s: [] for s in SOURCE_FOLDERS}
        self.rows: dict[str, int] = dict.fromkeys(SOURCE_FOLDERS, 0)
        self.pending_leads = pd.DataFrame()
        self.pending_events = pd.DataFrame()
        self.extra_calls: dict[int, list[dict[str, str]]] = {}
        self.extra_costs: dict[int, list[dict[str, str]]] = {}
        self.extra_leads: dict[int, list[dict[str, object]]] = {}
        self.blank_score: list[str] = []
        self.blank_reason: list[str] = []
        self.phone_match: list[str] = []

    def write(self, source: str, relative: str, frame: pd.DataFrame) -> None:
        if self.first_week and (self.landing / relative).exists():
            return  # appending: the files of earlier weeks stay as they are
        write_csv(self.landing / relative, frame)
        self.files[source].append(relative)
        self.rows[source] += len(frame)

    # -- the registry -------------------------------------------------------------------------

    def registry(self) -> None:
        base, later = E.registry_rows(self.plan)
        cols = [c.name for c in SOURCES[1].columns]
        self.write(
            "tracking_numbers",
            f"tracking_numbers/{T.REGISTRY_FILE}",
            pd.DataFrame(base, columns=cols),
        )
        moved = self.plan.cal.day(self.plan.move_day)
        self.write(
            "tracking_numbers", T.registry_update_file(moved), pd.DataFrame(later, columns=cols)
        )

    # -- calls --------------------------------------------------------------------------------

    def calls(self, week: int, calls: E.Calls) -> None:
        if week + 1 < self.first_week:
            return  # appending: nothing of this week's calls reaches the new week
        plan, monday, n = self.plan, self.plan.cal.monday(week), len(calls)
        nat = plan.national()
        positions = np.arange(1, n + 1)
        camp_medium = np.array([c.utm_medium for c in T.CAMPAIGNS] + [""], dtype=object)
        camp_name = np.array([c.name for c in T.CAMPAIGNS] + [""], dtype=object)
        tagged = calls.utm >= 0
        caller = fmt.phones(calls.caller, calls.caller_style)
        caller = fmt.pick(
            calls.hidden == 0, caller, fmt.lookup(calls.hidden - 1, ("anonymous", ""))
        )
        tracking = fmt.pick(
            calls.inbound, fmt.phones(nat[np.maximum(calls.number, 0)], calls.tracking_style)
        )
        columns = {
            "call_id": fmt.ids("CT", monday, positions),
            "started_at": fmt.timestamps(calls.t, calls.time_style, plan.timezone),
            "direction": fmt.lookup(np.where(calls.inbound, 0, 1), ("inbound", "outbound")),
            "tracking_number": tracking,
            "caller_number": caller,
            "status": fmt.lookup(calls.status, E.CALL_STATUSES),
            "wait_seconds": fmt.integers(calls.wait),
            "talk_seconds": fmt.integers(calls.talk),
            T.EXTRA_CALL_COLUMN: fmt.lookup(calls.comment, E.COMMENTS),
            "utm_source": fmt.lookup(calls.utm, E.UTM_SOURCES),
            "utm_medium": pa.array(np.where(tagged, camp_medium[calls.camp], ""), pa.string()),
            "utm_campaign": pa.array(np.where(tagged, camp_name[calls.camp], ""), pa.string()),
            "utm_content": fmt.pick(
                calls.content > 0, fmt.join("ad_", fmt.integers(calls.content))
            ),
            "session_id": fmt.pick(calls.dynamic, fmt.hexes(calls.session)),
            "manager_id": fmt.lookup(calls.manager, E.MANAGERS),
        }
        frame = _frame({c: columns[c] for c in calls_file_columns()})

        if not plan.clean:
            self._call_faults(week, frame)
        extra = self.extra_calls.pop(week, [])
        if extra:
            frame = pd.concat(
                [frame, pd.DataFrame(extra, columns=frame.columns)], ignore_index=True
            )
        self.write("calls", T.week_file("calls", monday), frame)

    def _call_faults(self, week: int, frame: pd.DataFrame) -> None:
        for spec in T.CALL_REJECTS:
            if spec.spot.week == week:
                frame.at[spec.spot.position - 1, spec.column] = spec.value
        for pos in self.plan.calls_here(T.UNREGISTERED_CALLS, week):
            i = pos - 1
            frame.at[i, "tracking_number"] = T.UNREGISTERED_NUMBER
            for col in ("utm_source", "utm_medium", "utm_campaign", "utm_content", "session_id"):
                frame.at[i, col] = ""
        if T.CALL_REEXPORT.week == week and week + 1 < self.plan.cal.weeks:
            row = frame.iloc[T.CALL_REEXPORT.position - 1].to_dict()
            row["talk_seconds"] = str(int(row["talk_seconds"]) + T.CALL_REEXPORT_TALK_DELTA)
            row[T.EXTRA_CALL_COLUMN] = T.CALL_REEXPORT_COMMENT
            self.extra_calls.setdefault(week + 1, []).append(row)

    # -- leads and status events ----------------------------------------------------------

    def leads_and_events(
        self, week: int, leads: E.Leads, events: E.Events, roles: dict[str, list[int]]
    ) -> None:
        plan, monday, n = self.plan, self.plan.cal.monday(week), len(leads)
        rng = plan.rng(week, "blanks")
        last_t, last_status, ever_won = E.lead_state(leads, events)
        lost = last_status == E.LOST
        positions = np.arange(1, n + 1)
        lead_ids = fmt.ids("LD", monday, positions)
        currency = fmt.lookup(leads.currency, E.CURRENCIES)
        currency = fmt.pick(leads.currency_blank & (leads.currency == 0), "", currency)
        scripted = np.zeros(n, dtype=bool)
        for ps in roles.values():
            scripted[np.asarray(ps, dtype=np.int64) - 1] = True
        columns = {
            "lead_id": lead_ids,
            "created_at": fmt.timestamps(leads.created, leads.time_style, plan.timezone),
            "contact_phone": fmt.pick(
                leads.contact > 0, fmt.phones(leads.contact, leads.contact_style)
            ),
            "call_id": fmt.pick(leads.call_pos > 0, fmt.ids("CT", monday, leads.call_pos)),
            "manager_id": fmt.lookup(leads.manager, E.MANAGERS),
            "call_outcome": fmt.lookup(leads.outcome, E.OUTCOMES),
            "quality_score": fmt.integers(leads.score),
            "refusal_reason": fmt.pick(lost, fmt.lookup(leads.reason, E.REASONS)),
            "amount": fmt.money(leads.amount, ever_won),
            "currency": fmt.pick(ever_won, currency),
            "updated_at": fmt.timestamps(last_t, leads.time_style, plan.timezone),
        }
        frame = _frame(columns)
        self.phone_match += frame.loc[leads.call_pos == 0, "lead_id"].tolist()

        if not plan.clean:
            skip_score = (leads.manager == E.MANAGERS.index(T.SCORE_SKIPPER)) & ~scripted
            skip_score &= rng.random(n) < T.SCORE_SKIP_SHARE
            frame.loc[skip_score, "quality_score"] = ""
            self.blank_score += frame.loc[skip_score, "lead_id"].tolist()
            skip_reason = (leads.manager == E.MANAGERS.index(T.REASON_SKIPPER)) & ~scripted & lost
            skip_reason &= rng.random(n) < T.REASON_SKIP_SHARE
            frame.loc[skip_reason, "refusal_reason"] = ""
            self.blank_reason += frame.loc[skip_reason, "lead_id"].tolist()
            for pos in roles["won_no_amount"]:
                frame.loc[pos - 1, ["amount", "currency"]] = ""
            for pos in roles["unknown_call"]:
                frame.at[pos - 1, "call_id"] = T.call_id(monday, 0)
            for role, later in (("reexport_newer", 0), ("reexport_stale", 1)):
                for pos in roles[role]:
                    i = pos - 1
                    snap_t = int(leads.created[i]) + 30
                    snapshot = frame.iloc[i].to_dict()
                    for col in (
                        "call_outcome",
                        "quality_score",
                        "refusal_reason",
                        "amount",
                        "currency",
                    ):
                        snapshot[col] = ""
                    snapshot["updated_at"] = fmt.timestamps(
                        np.array([snap_t]), np.array([0]), plan.timezone
                    )[0].as_py()
                    snapshot["_t"] = snap_t
                    self.extra_leads.setdefault(week + later, []).append(snapshot)

        frame["_t"] = last_t
        self.pending_leads = pd.concat([self.pending_leads, frame], ignore_index=True)

        owner = leads.manager[events.lead]
        ev = _frame(
            {
                "event_id": fmt.join(
                    fmt.ids("EV", monday, events.lead + 1), "-", fmt.pad(events.number, 2)
                ),
                "lead_id": pc.take(lead_ids, pa.array(events.lead)),
                "changed_at": fmt.timestamps(events.t, events.time_style, plan.timezone),
                "status": fmt.lookup(events.status, T.STATUSES),
                "changed_by": fmt.pick(events.by_owner, fmt.lookup(owner, E.MANAGERS)),
            }
        )
        ev["_t"] = events.t
        if not plan.clean:
            for pos in roles["no_events"]:
                ev = ev[ev["lead_id"] != T.lead_id(monday, pos)]
            for pos in roles["unknown_status"]:
                lid = T.lead_id(monday, pos)
                first_contact = ev.loc[(ev["lead_id"] == lid) & (ev["status"] == "first_contact")]
                t = int(first_contact["_t"].iloc[0]) + 300
                row = {
                    "event_id": T.event_id(monday, pos, T.UNKNOWN_STATUS_EVENT_NUMBER),
                    "lead_id": lid,
                    "changed_at": fmt.timestamps(np.array([t]), np.array([0]), plan.timezone)[
                        0
                    ].as_py(),
                    "status": T.UNKNOWN_STATUS_CODE,
                    "changed_by": E.MANAGERS[leads.manager[pos - 1]],
                    "_t": t,
                }
                ev = pd.concat([ev, pd.DataFrame([row])], ignore_index=True)
        self.pending_events = pd.concat([self.pending_events, ev], ignore_index=True)

        self._flush(week, monday)

    def _flush(self, week: int, monday: date) -> None:
        week_end = self.plan.start_s + (week + 1) * E.WEEK
        for source, attr, key in (
            ("crm_leads", "pending_leads", "lead_id"),
            ("crm_status_events", "pending_events", "event_id"),
        ):
            pending: pd.DataFrame = getattr(self, attr)
            due = pending["_t"] < week_end
            out = pending[due].sort_values(["_t", key], kind="stable")
            setattr(self, attr, pending[~due].reset_index(drop=True))
            if source == "crm_leads":
                extra = self.extra_leads.pop(week, [])
                if extra:
                    snaps = pd.DataFrame(extra, columns=out.columns)
                    out = pd.concat([out, snaps], ignore_index=True)
                    out = out.sort_values(["_t", key], kind="stable")
            contract = CRM_LEADS if source == "crm_leads" else CRM_STATUS_EVENTS
            out = out[[c.name for c in contract.columns]].reset_index(drop=True)
            self.write(source, T.week_file(source, monday), out)

    # -- ad costs -------------------------------------------------------------------------

    def costs(self, week: int, calls: E.Calls) -> None:
        plan, monday = self.plan, self.plan.cal.monday(week)
        rows = E.generate_costs(plan, week, calls)
        if not plan.clean:
            rows = self._cost_faults(week, rows)
        rows += self.extra_costs.pop(week, [])
        cols = [c.name for c in AD_COSTS.columns]
        self.write("ad_costs", T.week_file("ad_costs", monday), pd.DataFrame(rows, columns=cols))

    def _cost_faults(self, week: int, rows: list[dict[str, str]]) -> list[dict[str, str]]:
        cal = self.plan.cal
        if week == T.NO_SPEND_WEEK:
            rows = [r for r in rows if r["channel"] != T.NO_SPEND_CHANNEL]
        if week == 0 and cal.weeks > 1:
            day = cal.day(T.COST_REEXPORT_DAY).isoformat()
            again = []
            for r in rows:
                if r["date"] == day and r["channel"] == T.COST_REEXPORT_CHANNEL:
                    fixed = dict(r)
                    fixed["cost"] = f"{round(float(r['cost']) * T.COST_REEXPORT_FACTOR, 2):.2f}"
                    again.append(fixed)
                    if r["campaign"] == "vk_leadgen":
                        r["headline"] = r["headline"] + T.COST_TYPO_SUFFIX
            self.extra_costs.setdefault(1, []).extend(again)
        return rows


def existing_calendar(landing: Path) -> T.Calendar:
    """The weeks a landing folder's calls files cover (consecutive, from the first Monday)."""
    mondays = sorted(
        date.fromisoformat(p.stem.removeprefix("calls_"))
        for p in (landing / "calls").glob("calls_*.csv")
    )
    if not mondays:
        raise LandingNotEmptyError(f"no calls files to append to in {landing / 'calls'}")
    weeks = (mondays[-1] - mondays[0]).days // 7 + 1
    if len(mondays) != weeks:
        raise E.SimulationError(f"the calls files in {landing / 'calls'} skip a week")
    return T.Calendar(first_monday=mondays[0], weeks=weeks)


def _resolve(
    landing_dir: Path | str | None, as_of: datetime | str | None, timezone: str | None
) -> tuple[Path, datetime, str]:
    need_env = landing_dir is None or as_of is None or timezone is None
    settings = Settings.from_env() if need_env else None
    tz = timezone or (settings.timezone if settings else "Europe/Moscow")
    landing = Path(landing_dir) if landing_dir is not None else settings.landing_dir
    if isinstance(as_of, str):
        moment = parse_as_of(as_of, ZoneInfo(tz))
    elif as_of is None:
        moment = settings.as_of
    else:
        moment = as_of
    return landing, moment, tz


def simulate(
    landing_dir: Path | str | None = None,
    weeks: int = 12,
    calls_per_week: int = 3000,
    seed: int = 7,
    as_of: datetime | str | None = None,
    timezone: str | None = None,
    clean: bool = False,
    overwrite: bool = False,
    callers: int = 0,
    append_week: bool = False,
) -> SimulationResult:
    """Write `weeks` weeks of demo data ending the Sunday before `as_of`'s week into the landing.

    Unset arguments come from the environment (`Settings.from_env()`). Same arguments give
    byte-identical files. Raises LandingNotEmptyError if the folder holds files and not
    `overwrite`. `callers` > 0 draws new callers from a fixed pool of that many people (a year
    of 10M calls from a 3.3M pool has about 3M distinct callers). `append_week` ignores `weeks`
    and `as_of`: it adds the week after the landing's last calls file, regenerating earlier
    weeks' state without rewriting their files (the other arguments must match the first run).
    """
    if not 1 <= weeks <= T.MAX_WEEKS:
        raise ValueError(f"weeks must be between 1 and {T.MAX_WEEKS}, got {weeks}")
    if calls_per_week < T.MIN_CALLS_PER_WEEK:
        raise ValueError(f"calls per week must be at least {T.MIN_CALLS_PER_WEEK}")
    if callers < 0:
        raise ValueError(f"callers must be 0 (no pool) or positive, got {callers}")
    landing, moment, tz = _resolve(landing_dir, as_of, timezone)
    first_week = 0
    if append_week:
        # The planted dated truths (number move, headline changes) stay where the folder's
        # calendar put them; only the run's end moves on by a week.
        anchor = existing_calendar(landing)
        cal = T.Calendar(first_monday=anchor.first_monday, weeks=anchor.weeks + 1)
        if cal.weeks > T.MAX_WEEKS:
            raise ValueError(f"weeks must be between 1 and {T.MAX_WEEKS}, got {cal.weeks}")
        plan = E.Plan.build(seed, calls_per_week, anchor, tz, clean, callers=callers)
        plan = replace(plan, cal=cal)
        first_week = cal.weeks - 1
    else:
        cal = T.calendar_for(moment, tz, weeks)
        plan = E.Plan.build(seed, calls_per_week, cal, tz, clean, callers=callers)
    if not append_week:
        prepare_landing(landing, overwrite)

    writer = _Writer(plan, landing, first_week)
    writer.registry()
    carry = E.Carry()
    for week in range(cal.weeks):
        calls = E.generate_calls(plan, week, carry)
        leads = E.generate_leads(plan, week, calls, carry)
        events, roles = E.generate_events(plan, week, leads)
        writer.calls(week, calls)
        writer.leads_and_events(week, leads, events, roles)
        writer.costs(week, calls)
    if len(writer.pending_leads) or len(writer.pending_events):
        raise E.SimulationError("rows were left after the last week")  # pragma: no cover

    return SimulationResult(
        landing_dir=landing,
        calendar=cal,
        calls_per_week=calls_per_week,
        seed=seed,
        timezone=tz,
        clean=clean,
        files={s: tuple(sorted(f)) for s, f in writer.files.items()},
        rows=dict(writer.rows),
        faults=T.planted_faults(cal, clean),
        truths=T.planted_truths(cal, calls_per_week),
        blank_score_leads=tuple(writer.blank_score),
        blank_reason_leads=tuple(writer.blank_reason),
        phone_match_leads=tuple(writer.phone_match),
    )
