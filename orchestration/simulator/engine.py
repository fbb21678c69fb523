"""Week-by-week generation of the demo landing data, each week one vectorised numpy chunk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from orchestration.simulator import formatting as fmt
from orchestration.simulator import truths as T

DAY = fmt.SECONDS_PER_DAY
WEEK = 7 * DAY

CHANNELS = T.INBOUND_CHANNELS
CH = {c: i for i, c in enumerate(CHANNELS)}
CAMP = {(c.channel, c.name): i for i, c in enumerate(T.CAMPAIGNS)}
MANAGERS = T.MANAGERS
STRONG = MANAGERS.index(T.STRONG_MANAGER)
OUTCOMES = ("application", "consultation", "refusal")
STATUS = {s: i for i, s in enumerate(T.STATUSES)}
WON, LOST = STATUS["won"], STATUS[T.LOST]
CALL_STATUSES = ("answered", "missed", "voicemail", "busy")
REASONS = tuple(dict.fromkeys(r for mix in T.REFUSAL_MIX.values() for r in mix))
CURRENCIES = tuple(T.DEAL_CURRENCY_SHARES)
UTM_SOURCES = tuple(dict.fromkeys(s for c in T.CAMPAIGNS for s in c.utm_sources))
COMMENTS = (
    "callback requested, evening",
    'client said "call me after lunch"',
    "перезвонить после 15:00",
    "asked for a price list",
    "wrong department",
)
COMMENT_SHARE = 0.03


class SimulationError(ValueError):
    """The requested run cannot plant what the truths declare."""


def _p(weights: tuple[float, ...] | list[float]) -> np.ndarray:
    arr = np.asarray(weights, dtype=np.float64)
    return arr / arr.sum()


def largest_remainder(shares: list[float], total: int) -> np.ndarray:
    """Split `total` into integer counts proportional to `shares` (exact sum, deterministic)."""
    raw = np.asarray(shares, dtype=np.float64) / sum(shares) * total
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def _draw(rng: np.random.Generator, table: dict, n: int) -> np.ndarray:
    """Draw n keys of `table` (key → weight) as an array of keys."""
    keys = np.array(list(table), dtype=object)
    return keys[rng.choice(len(keys), size=n, p=_p(list(table.values())))]


@dataclass(frozen=True)
class Plan:
    """Everything fixed for a run: calendar, numbers, dates of the planted changes."""

    seed: int
    calls_per_week: int
    cal: T.Calendar
    timezone: str
    clean: bool
    numbers: tuple[str, ...]  # every tracking number, E.164 (static, dynamic, unregistered)
    dynamic: tuple[int, ...]  # indexes into numbers
    move_day: int  # day offset of the move
    headline_day: int  # day offset of the headline change
    b_days: tuple[int, int]  # day offsets of the returning headline's B period (inclusive)
    split_day: int
    story: bool  # scripted leads fit this run
    callers: int = 0  # size of a fixed pool of people who call (0: every new caller is new)

    @classmethod
    def build(
        cls,
        seed: int,
        calls_per_week: int,
        cal: T.Calendar,
        timezone: str,
        clean: bool,
        callers: int = 0,
    ) -> Plan:
        statics = list(dict.fromkeys(n for c in T.CAMPAIGNS for n in c.static_numbers))
        dynamic = list(T.dynamic_numbers(calls_per_week))
        numbers = (*statics, *dynamic, T.UNREGISTERED_NUMBER)
        b_first, b_last = T.RETURNING_HEADLINE.b_days(cal)
        return cls(
            seed=seed,
            calls_per_week=calls_per_week,
            cal=cal,
            timezone=timezone,
            clean=clean,
            numbers=numbers,
            dynamic=tuple(range(len(statics), len(statics) + len(dynamic))),
            move_day=(T.MOVED_NUMBER.moved_on(cal) - cal.first_monday).days,
            headline_day=(T.HEADLINE_CHANGE.changed_on(cal) - cal.first_monday).days,
            b_days=((b_first - cal.first_monday).days, (b_last - cal.first_monday).days),
            split_day=(T.SPLIT_HEADLINE_DAY.day(cal) - cal.first_monday).days,
            story=cal.weeks >= T.MIN_WEEKS_STORY,
            callers=callers,
        )

    @property
    def start_s(self) -> int:
        return fmt.day_seconds(self.cal.first_monday)

    @property
    def end_s(self) -> int:
        """Last second of the run (Sunday 23:59:59 of the last week), wall clock."""
        return self.start_s + self.cal.weeks * WEEK - 1

    def rng(self, week: int, stream: str) -> np.random.Generator:
        """An independent random stream per week and purpose, so that drawing more or fewer values
        in one (for example planting a fault) never shifts another."""
        streams = ("calls", "callers", "leads", "story", "costs", "reserved", "blanks")
        ordinal = self.cal.monday(week).toordinal()
        return np.random.default_rng([self.seed, ordinal, streams.index(stream)])

    def number_index(self, e164: str) -> int:
        return self.numbers.index(e164)

    def national(self) -> np.ndarray:
        return np.array([fmt.national_of(n) for n in self.numbers], dtype=np.int64)

    def calls_here(self, spots: tuple[T.CallSpot, ...], week: int) -> list[int]:
        return [s.position for s in spots if s.week == week and s.week < self.cal.weeks]

    def leads_here(self, spot: T.LeadSpot, week: int) -> bool:
        return self.story and spot.week == week

    def static_periods(self, camp: int) -> list[tuple[int, int, int]]:
        """(number index, first day, last day) of each static number ringing for a campaign."""
        c = T.CAMPAIGNS[camp]
        mv = T.MOVED_NUMBER
        far = 10**6
        out = []
        for n in c.static_numbers:
            last = self.move_day - 1 if n == mv.number else far
            out.append((self.number_index(n), -far, last))
        if (c.channel, c.name) == (mv.new_channel, mv.new_campaign):
            out.append((self.number_index(mv.number), self.move_day, far))
        return out

    def campaign_weight(self, camp: int, day: np.ndarray) -> np.ndarray:
        """A campaign's weight within its channel on each day (zero once it has no number)."""
        periods = self.static_periods(camp)
        alive = np.zeros(len(day), dtype=bool)
        for _, first, last in periods:
            alive |= (day >= first) & (day <= last)
        if T.CAMPAIGNS[camp].dynamic_share > 0:
            alive[:] = True
        return np.where(alive, T.CAMPAIGNS[camp].weight, 0.0)


# ------------------------------------------------------------------------------------------------
# State carried from one week to the next (small: last week's callers only)
# ------------------------------------------------------------------------------------------------


@dataclass
class Carry:
    """Last week's identified callers, and its answered calls that got no card."""

    callers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    unmatched_numbers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    unmatched_times: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    unmatched_channels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


# ------------------------------------------------------------------------------------------------
# Calls
# ------------------------------------------------------------------------------------------------


@dataclass
class Calls:
    """One week's calls as columns, sorted by start time; row i is at position i + 1."""

    t: np.ndarray
    day: np.ndarray  # day offset in the run
    inbound: np.ndarray
    channel: np.ndarray  # -1 outbound
    camp: np.ndarray  # -1 outbound
    number: np.ndarray  # tracking number index, -1 outbound
    dynamic: np.ndarray
    utm: np.ndarray  # index into UTM_SOURCES, -1 none
    content: np.ndarray  # utm_content banner number, 0 none
    session: np.ndarray
    status: np.ndarray  # index into CALL_STATUSES
    wait: np.ndarray
    talk: np.ndarray
    spam: np.ndarray
    hidden: np.ndarray  # 0 shown, 1 anonymous, 2 empty
    caller: np.ndarray  # national number, 0 when hidden
    caller_style: np.ndarray
    tracking_style: np.ndarray
    time_style: np.ndarray
    manager: np.ndarray  # -1 none
    comment: np.ndarray  # -1 none
    reserved: np.ndarray

    def __len__(self) -> int:
        return len(self.t)

    @property
    def answered(self) -> np.ndarray:
        return self.status == 0


def _new_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    mobile = rng.random(n) < T.MOBILE_SHARE
    mob = 9_000_000_000 + rng.integers(0, 1_000_000_000, n)
    area = np.where(rng.random(n) < 0.7, 495, 499)
    land = area * 10_000_000 + rng.integers(2_000_000, 10_000_000, n)
    return np.where(mobile, mob, land).astype(np.int64)


# A caller pool maps person i to one fixed number, without storing the pool: 17 in 20 people
# have a mobile, the rest a Moscow landline; multiplying by a unit modulo the number space keeps
# the map one-to-one and spreads the numbers out.
_POOL_BLOCK, _POOL_MOBILE = 20, 17
_MOBILE_SPACE, _MOBILE_STEP = 1_000_000_000, 387_420_489  # 3**18, coprime to 10**9
_LAND_SPACE, _LAND_STEP = 8_000_000, 4_782_969  # 3**14, coprime to 8 * 10**6


def pool_numbers(person: np.ndarray) -> np.ndarray:
    """National numbers of pool people (distinct people get distinct numbers)."""
    person = np.asarray(person, dtype=np.int64)
    block, slot = np.divmod(person, _POOL_BLOCK)
    mobile = slot < _POOL_MOBILE
    k_mob = block * _POOL_MOBILE + slot
    k_land = block * (_POOL_BLOCK - _POOL_MOBILE) + (slot - _POOL_MOBILE)
    mob = 9_000_000_000 + (k_mob * _MOBILE_STEP) % _MOBILE_SPACE
    area = np.where(k_land % 10 < 7, 495, 499)
    land = area * 10_000_000 + 2_000_000 + (k_land * _LAND_STEP) % _LAND_SPACE
    return np.where(mobile, mob, land).astype(np.int64)


def generate_calls(plan: Plan, week: int, carry: Carry) -> Calls:
    """The week's calls: channel counts exact by share, everything else drawn as columns."""
    rng = plan.rng(week, "calls")
    n = plan.calls_per_week
    n_out = round(n * T.OUTBOUND_SHARE)
    n_in = n - n_out
    week_s = plan.start_s + week * WEEK

    # Inbound: channel by exact share; weekday and hour by the declared weights.
    channel = np.repeat(
        np.arange(len(CHANNELS)), largest_remainder(list(T.CHANNEL_CALL_SHARES.values()), n_in)
    )
    dow = rng.choice(7, size=n_in, p=_p(T.WEEKDAY_WEIGHTS))
    hour = np.where(
        dow < 5,
        rng.choice(24, size=n_in, p=_p(T.HOUR_WEIGHTS_WEEKDAY)),
        rng.choice(24, size=n_in, p=_p(T.HOUR_WEIGHTS_WEEKEND)),
    )
    t_in = week_s + dow * DAY + hour * 3600 + rng.integers(0, 3600, n_in)
    day_in = week * 7 + dow

    # Campaign within the channel (weights per day: a campaign without a number stops).
    camp = np.full(n_in, -1, dtype=np.int64)
    u = rng.random(n_in)
    for ch, name in enumerate(CHANNELS):
        rows = np.flatnonzero(channel == ch)
        options = [i for i, c in enumerate(T.CAMPAIGNS) if c.channel == name]
        weights = np.stack([plan.campaign_weight(i, day_in[rows]) for i in options], axis=1)
        cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
        camp[rows] = np.asarray(options)[(u[rows, None] > cum[:, :-1]).sum(axis=1)]

    # Static number of the campaign valid that day, or a dynamic number with utm tags.
    dyn_share = np.array([c.dynamic_share for c in T.CAMPAIGNS])
    dynamic = rng.random(n_in) < dyn_share[camp]
    number = np.full(n_in, -1, dtype=np.int64)
    pick_u = rng.random(n_in)
    for i in range(len(T.CAMPAIGNS)):
        rows = np.flatnonzero((camp == i) & ~dynamic)
        if not len(rows):
            continue
        periods = plan.static_periods(i)
        active = np.stack(
            [(day_in[rows] >= a) & (day_in[rows] <= b) for _, a, b in periods], axis=1
        )
        if not active.any(axis=1).all():
            raise SimulationError(f"campaign {T.CAMPAIGNS[i].name} has calls but no number")
        cum = np.cumsum(active / active.sum(axis=1, keepdims=True), axis=1)
        which = (pick_u[rows, None] > cum[:, :-1]).sum(axis=1)
        number[rows] = np.asarray([p[0] for p in periods])[which]
    dyn_rows = np.flatnonzero(dynamic)
    number[dyn_rows] = np.asarray(plan.dynamic)[rng.integers(0, len(plan.dynamic), len(dyn_rows))]
    utm = np.full(n_in, -1, dtype=np.int64)
    utm_u = rng.random(n_in)
    for i, c in enumerate(T.CAMPAIGNS):
        if not c.utm_sources:
            continue
        rows = np.flatnonzero((camp == i) & dynamic)
        first = utm_u[rows] < (0.7 if len(c.utm_sources) > 1 else 1.0)
        second = UTM_SOURCES.index(c.utm_sources[-1])
        utm[rows] = np.where(first, UTM_SOURCES.index(c.utm_sources[0]), second)
    paid = np.isin(channel, [CH[c] for c in T.PAID_CHANNELS])
    content = np.where(dynamic & paid & (utm >= 0), rng.integers(1, 9, n_in), 0)
    session = rng.integers(0, 2**62, n_in)

    # Answering depends on working hours; spam robocalls are answered and short.
    weekend = dow >= 5
    lo = np.where(weekend, T.WORKING_HOURS_WEEKEND[0], T.WORKING_HOURS_WEEKDAY[0])
    hi = np.where(weekend, T.WORKING_HOURS_WEEKEND[1], T.WORKING_HOURS_WEEKDAY[1])
    working = (hour >= lo) & (hour < hi)
    answered = rng.random(n_in) < np.where(working, T.ANSWER_RATE_WORKING, T.ANSWER_RATE_OFF_HOURS)
    spam = rng.random(n_in) < T.SPAM_CALL_SHARE
    answered |= spam
    unanswered = np.array([CALL_STATUSES.index(s) for s in T.UNANSWERED_STATUS_SHARES])[
        rng.choice(3, size=n_in, p=_p(list(T.UNANSWERED_STATUS_SHARES.values())))
    ]
    status_in = np.where(answered, 0, unanswered)
    talk = np.clip(rng.lognormal(np.log(T.TALK_MEDIAN_SECONDS), 0.9, n_in), 5, 3600).astype(
        np.int64
    )
    hc = T.HEADLINE_CHANGE
    longer = (camp == CAMP[(hc.channel, hc.campaign)]) & (day_in >= plan.headline_day)
    talk = np.where(longer, np.round(talk * hc.talk_factor), talk).astype(np.int64)
    talk = np.where(
        spam, rng.integers(T.SPAM_TALK_SECONDS[0], T.SPAM_TALK_SECONDS[1] + 1, n_in), talk
    )
    talk = np.where(answered, talk, 0)
    wait_by_status = np.stack(
        [
            rng.integers(2, 31, n_in),
            rng.integers(10, 61, n_in),
            rng.integers(20, 46, n_in),
            np.zeros(n_in, dtype=np.int64),
        ],
        axis=1,
    )
    wait = wait_by_status[np.arange(n_in), status_in]
    manager = np.where(answered, rng.integers(0, len(MANAGERS), n_in), -1)
    hidden_u = rng.random(n_in)
    hidden = np.where(
        ~spam & (hidden_u < T.HIDDEN_CALLER_SHARE),
        np.where(hidden_u < T.HIDDEN_CALLER_SHARE / 2, 1, 2),
        0,
    )

    # Outbound: the sales team dials customers on weekdays, 10:00–18:00.
    o_dow = rng.integers(0, 5, n_out)
    t_out = week_s + o_dow * DAY + rng.integers(10 * 3600, 18 * 3600, n_out)
    o_status = rng.choice(4, size=n_out, p=_p([0.6, 0.25, 0.05, 0.1]))
    o_talk = np.where(
        o_status == 0,
        np.clip(rng.lognormal(np.log(100), 0.8, n_out), 5, 3600).astype(np.int64),
        0,
    )

    cat = np.concatenate
    calls = Calls(
        t=cat([t_in, t_out]).astype(np.int64),
        day=cat([day_in, week * 7 + o_dow]),
        inbound=cat([np.ones(n_in, bool), np.zeros(n_out, bool)]),
        channel=cat([channel, np.full(n_out, -1)]),
        camp=cat([camp, np.full(n_out, -1)]),
        number=cat([number, np.full(n_out, -1)]),
        dynamic=cat([dynamic, np.zeros(n_out, bool)]),
        utm=cat([utm, np.full(n_out, -1)]),
        content=cat([content, np.zeros(n_out, dtype=np.int64)]),
        session=cat([session, np.zeros(n_out, dtype=np.int64)]),
        status=cat([status_in, o_status]),
        wait=cat([wait, rng.integers(5, 31, n_out)]),
        talk=cat([talk, o_talk]),
        spam=cat([spam, np.zeros(n_out, bool)]),
        hidden=cat([hidden, np.zeros(n_out, dtype=np.int64)]),
        caller=np.zeros(n, dtype=np.int64),
        caller_style=rng.choice(7, size=n, p=_p(T.CALLER_FORMAT_WEIGHTS)),
        tracking_style=rng.choice(7, size=n, p=_p(T.TRACKING_FORMAT_WEIGHTS)),
        time_style=rng.choice(3, size=n, p=_p(T.TIMESTAMP_STYLE_SHARES["calls"])),
        manager=cat([manager, rng.integers(0, len(MANAGERS), n_out)]),
        comment=np.where(rng.random(n) < COMMENT_SHARE, rng.integers(0, len(COMMENTS), n), -1),
        reserved=np.zeros(n, dtype=bool),
    )
    calls.t = fmt.real_local(calls.t, plan.timezone)
    _assign_callers(plan, week, calls, carry)

    order = np.lexsort((rng.random(n), calls.t))
    for name, value in vars(calls).items():
        setattr(calls, name, value[order])
    _force_reserved(plan, week, calls)
    return calls


def _assign_callers(plan: Plan, week: int, calls: Calls, carry: Carry) -> None:
    """Caller numbers: spam pool, new people, and repeat callers from this or last week."""
    rng = plan.rng(week, "callers")
    n = len(calls)
    spam_nat = np.array([fmt.national_of(x) for x in T.SPAM_NUMBERS], dtype=np.int64)
    caller = np.zeros(n, dtype=np.int64)
    spam_rows = np.flatnonzero(calls.spam)
    caller[spam_rows] = spam_nat[rng.integers(0, len(spam_nat), len(spam_rows))]

    people = np.flatnonzero(calls.inbound & ~calls.spam & (calls.hidden == 0))
    repeat = rng.random(len(people)) < T.REPEAT_CALL_SHARE
    fresh = people[~repeat]
    if plan.callers:
        caller[fresh] = pool_numbers(rng.integers(0, plan.callers, len(fresh)))
    else:
        caller[fresh] = _new_numbers(rng, len(fresh))
    again = people[repeat]
    from_last_week = rng.random(len(again)) < 0.5 if len(carry.callers) else np.zeros(0, bool)
    if len(carry.callers):
        rows = again[from_last_week]
        caller[rows] = carry.callers[rng.integers(0, len(carry.callers), len(rows))]
        again = again[~from_last_week]
    if len(fresh):
        caller[again] = caller[fresh[rng.integers(0, len(fresh), len(again))]]

    out = np.flatnonzero(~calls.inbound)
    pool = np.concatenate([carry.callers, caller[fresh]])
    if len(pool):
        caller[out] = pool[rng.integers(0, len(pool), len(out))]
    else:
        caller[out] = _new_numbers(rng, len(out))
    calls.caller = caller


def _force_reserved(plan: Plan, week: int, calls: Calls) -> None:
    """Planted calls: inbound, shown caller, no card; in both modes, so clean = faulty − faults."""
    rng = plan.rng(week, "reserved")  # values only used for the forced rows
    spots = plan.calls_here(T.RESERVED_CALLS, week)
    dup = plan.calls_here((T.CALL_REEXPORT,), week)
    organic = CAMP[("organic", "")]
    organic_number = plan.number_index(T.CAMPAIGNS[organic].static_numbers[0])
    for pos in [*spots, *dup]:
        if pos > len(calls):
            raise SimulationError(f"week {week} has no call at position {pos}")
        i = pos - 1
        if not calls.inbound[i]:
            calls.inbound[i] = True
            calls.manager[i] = calls.manager[i] if calls.answered[i] else -1
            calls.channel[i], calls.camp[i] = CH["organic"], organic
            calls.number[i] = organic_number
            calls.dynamic[i], calls.utm[i], calls.content[i] = False, -1, 0
        calls.spam[i] = False
        if calls.hidden[i] or calls.caller[i] == 0:
            calls.hidden[i] = 0
            calls.caller[i] = _new_numbers(rng, 1)[0]
        if pos in spots:
            calls.reserved[i] = True
        if pos in dup and not calls.answered[i]:
            calls.status[i] = 0
            calls.talk[i] = int(rng.integers(60, 400))
            calls.wait[i] = int(rng.integers(2, 31))
            calls.manager[i] = int(rng.integers(0, len(MANAGERS)))


# ------------------------------------------------------------------------------------------------
# Leads and their status history
# ------------------------------------------------------------------------------------------------


@dataclass
class Leads:
    """One week's lead cards in creation order; row i is the lead at position i + 1."""

    created: np.ndarray
    call_pos: np.ndarray  # position of the call in this week's file, 0 = none (phone match)
    channel: np.ndarray
    manager: np.ndarray
    outcome: np.ndarray  # index into OUTCOMES
    score: np.ndarray
    contact: np.ndarray  # national number, 0 = none
    contact_style: np.ndarray
    filled: np.ndarray  # when the manager filled the card's marks
    amount: np.ndarray
    currency: np.ndarray
    currency_blank: np.ndarray  # a RUB deal whose currency cell is left to the default
    reason: np.ndarray  # index into REASONS for a lost lead
    time_style: np.ndarray

    def __len__(self) -> int:
        return len(self.created)


def _weighted_sample(
    rng: np.random.Generator, rows: np.ndarray, w: np.ndarray, k: int
) -> np.ndarray:
    """k of `rows` without replacement, with probability growing with `w` (exponential keys)."""
    if k <= 0 or not len(rows):
        return rows[:0]
    keys = np.log(rng.random(len(rows))) / w
    return rows[np.argpartition(-keys, min(k, len(rows)) - 1)[:k]]


def generate_leads(plan: Plan, week: int, calls: Calls, carry: Carry) -> Leads:
    """Cards created minutes after answered calls, plus phone-only cards for earlier callers."""
    rng = plan.rng(week, "leads")
    week_s = plan.start_s + week * WEEK
    last_s = min(week_s + WEEK - 61, plan.end_s - 60)
    eligible = calls.inbound & calls.answered & ~calls.spam & ~calls.reserved
    is_app = np.zeros(len(calls), dtype=bool)
    for ch, name in enumerate(CHANNELS):
        k = round(T.CHANNEL_APPLICATION_RATES[name] * np.sum(calls.inbound & (calls.channel == ch)))
        rows = np.flatnonzero(
            eligible & (calls.channel == ch) & (calls.talk >= T.APPLICATION_MIN_TALK_SECONDS)
        )
        is_app[_weighted_sample(rng, rows, np.sqrt(calls.talk[rows]), k)] = True
    other = eligible & ~is_app & (rng.random(len(calls)) < T.OTHER_LEAD_SHARE)
    consult = rng.random(len(calls)) < T.CONSULTATION_SHARE
    from_call = np.flatnonzero(is_app | other)
    outcome_call = np.where(is_app[from_call], 0, np.where(consult[from_call], 1, 2))
    delay = rng.integers(
        T.LEAD_DELAY_MINUTES[0] * 60, T.LEAD_DELAY_MINUTES[1] * 60 + 1, len(from_call)
    )
    created_call = np.minimum(
        calls.t[from_call] + calls.wait[from_call] + calls.talk[from_call] + delay, last_s
    )

    # Phone-only cards: an earlier answered caller without a card, 1–20 days later, Wed–Sun.
    has_lead = np.zeros(len(calls), dtype=bool)
    has_lead[from_call] = True
    here = eligible & ~has_lead & (calls.hidden == 0)
    cand_num = np.concatenate([carry.unmatched_numbers, calls.caller[here]])
    cand_t = np.concatenate([carry.unmatched_times, calls.t[here]])
    cand_ch = np.concatenate([carry.unmatched_channels, calls.channel[here]])
    lo = np.maximum(cand_t + T.PHONE_MATCH_DELAY_DAYS[0] * DAY, week_s + 2 * DAY + 9 * 3600)
    hi = np.minimum(
        cand_t + T.PHONE_MATCH_DELAY_DAYS[1] * DAY, min(week_s + 6 * DAY + 20 * 3600, last_s)
    )
    ok = np.flatnonzero(hi - lo > 3600)
    k = min(T.phone_match_leads_per_week(plan.calls_per_week), len(ok))
    chosen = np.sort(rng.choice(ok, size=k, replace=False)) if k else ok[:0]
    created_pm = lo[chosen] + (rng.random(k) * (hi[chosen] - lo[chosen])).astype(np.int64)
    outcome_pm = rng.choice(3, size=k, p=_p([T.PHONE_MATCH_OUTCOME_SHARES[o] for o in OUTCOMES]))

    created = np.concatenate([created_call, created_pm])
    n = len(created)
    call_pos = np.concatenate([from_call + 1, np.zeros(k, dtype=np.int64)])
    channel = np.concatenate([calls.channel[from_call], cand_ch[chosen]])
    manager = np.concatenate([calls.manager[from_call], rng.integers(0, len(MANAGERS), k)])
    outcome = np.concatenate([outcome_call, outcome_pm])
    contact = np.concatenate(
        [calls.caller[from_call] * (calls.hidden[from_call] == 0), cand_num[chosen]]
    )
    score = np.zeros(n, dtype=np.int64)
    for o, name in enumerate(OUTCOMES):
        rows = np.flatnonzero(outcome == o)
        table = T.QUALITY_SCORE_SHARES[name]
        score[rows] = np.asarray(list(table))[
            rng.choice(len(table), len(rows), p=_p(list(table.values())))
        ]
    currency = rng.choice(len(CURRENCIES), size=n, p=_p(list(T.DEAL_CURRENCY_SHARES.values())))
    rub = np.round(rng.lognormal(np.log(T.DEAL_MEDIAN_RUB), 0.6, n), -2)
    foreign = np.round(rng.lognormal(np.log(T.DEAL_MEDIAN_FOREIGN), 0.6, n), 2)
    reason = np.zeros(n, dtype=np.int64)
    for ch, name in enumerate(CHANNELS):
        rows = np.flatnonzero(channel == ch)
        mix = T.REFUSAL_MIX[name]
        reason[rows] = [REASONS.index(r) for r in _draw(rng, mix, len(rows))] if len(rows) else []
    leads = Leads(
        created=created,
        call_pos=call_pos,
        channel=channel,
        manager=manager,
        outcome=outcome,
        score=score,
        contact=contact,
        contact_style=rng.choice(7, size=n, p=_p(T.CONTACT_FORMAT_WEIGHTS)),
        filled=np.minimum(created + rng.integers(60, 1800, n), plan.end_s),
        amount=np.where(currency == 0, rub, foreign),
        currency=currency,
        currency_blank=rng.random(n) < 0.2,
        reason=reason,
        time_style=rng.choice(3, size=n, p=_p(T.TIMESTAMP_STYLE_SHARES["crm_leads"])),
    )
    order = np.lexsort((leads.call_pos == 0, leads.call_pos, leads.created))
    for name, value in vars(leads).items():
        setattr(leads, name, value[order])

    # Carry last week's callers and this week's card-less answered calls.
    people = calls.inbound & ~calls.spam & (calls.hidden == 0) & ~calls.reserved
    carry.callers = np.unique(calls.caller[people])
    carry.unmatched_numbers = calls.caller[here]
    carry.unmatched_times = calls.t[here]
    carry.unmatched_channels = calls.channel[here]
    _check_scripted(plan, week, leads)
    _force_scripted(plan, week, leads, calls)
    return leads


def _scripted(plan: Plan, week: int) -> dict[str, list[int]]:
    """Positions of this week's scripted leads, by role."""
    roles = {
        "unknown_status": (T.UNKNOWN_STATUS_LEAD,),
        "reexport_newer": (T.LEAD_REEXPORT_NEWER,),
        "reexport_stale": (T.LEAD_REEXPORT_STALE,),
        "no_events": (T.LEAD_WITHOUT_EVENTS,),
        "unknown_call": (T.LEAD_UNKNOWN_CALL,),
        "stale": T.STALE_LEADS,
        "won_no_amount": (T.WON_WITHOUT_AMOUNT,),
        "won_then_lost": (T.REOPENED_WON_THEN_LOST,),
        "lost_then_won": (T.REOPENED_LOST_THEN_WON,),
    }
    return {
        role: [s.position for s in spots if plan.leads_here(s, week)]
        for role, spots in roles.items()
    }


def _check_scripted(plan: Plan, week: int, leads: Leads) -> None:
    positions = [p for ps in _scripted(plan, week).values() for p in ps]
    for pos in positions:
        if pos > len(leads) or leads.call_pos[pos - 1] == 0:
            raise SimulationError(
                f"week {week}: lead position {pos} is not a card from a call; use more calls "
                f"per week (at least {T.MIN_CALLS_PER_WEEK})"
            )


def _force_scripted(plan: Plan, week: int, leads: Leads, calls: Calls) -> None:
    """Scripted leads' owner, outcome and caller (both modes)."""
    rng = plan.rng(week, "reserved")
    roles = _scripted(plan, week)
    for pos in roles["stale"]:
        i = pos - 1
        leads.manager[i] = calls.manager[leads.call_pos[i] - 1] = MANAGERS.index(T.STALE_MANAGER)
    for pos in roles["unknown_call"]:
        i = pos - 1
        if leads.contact[i] == 0:
            number = _new_numbers(rng, 1)[0]
            leads.contact[i] = calls.caller[leads.call_pos[i] - 1] = number
            calls.hidden[leads.call_pos[i] - 1] = 0
    outcome = {
        "won_no_amount": 0, "won_then_lost": 0, "lost_then_won": 0, "reexport_newer": 0,
        "reexport_stale": 2,
    }  # fmt: skip
    for role, o in outcome.items():
        for pos in roles[role]:
            leads.outcome[pos - 1] = o
            leads.score[pos - 1] = 4 if o == 0 else 2
    for pos in roles["won_then_lost"]:
        leads.reason[pos - 1] = REASONS.index("competitor")


@dataclass
class Events:
    """Status changes: lead position, status index, time, number within the lead, author."""

    lead: np.ndarray
    status: np.ndarray
    t: np.ndarray
    number: np.ndarray
    by_owner: np.ndarray
    time_style: np.ndarray


def _tod(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(9 * 3600, 19 * 3600, n)


def _story_events(
    rng: np.random.Generator, created: int, fc: int, steps: list[tuple[str, int]]
) -> list[tuple[int, int]]:
    """(status, time) of a scripted lead: `new`, first contact, then (status, day offset)."""
    out = [(STATUS["new"], created), (STATUS["first_contact"], fc)]
    base_day = fc // DAY
    for status, days in steps:
        if days < 0:  # minutes after the previous change
            out.append((STATUS[status], out[-1][1] + -days * 60))
        else:
            out.append((STATUS[status], (base_day + days) * DAY + int(_tod(rng, 1)[0])))
    return out


def generate_events(plan: Plan, week: int, leads: Leads) -> tuple[Events, dict[str, list[int]]]:
    """Each lead's path through the funnel; scripted leads follow their declared story."""
    rng = plan.rng(week, "story")
    n = len(leads)
    roles = _scripted(plan, week)
    p_win = np.array([T.WIN_PROBABILITY[o] for o in OUTCOMES])[leads.outcome]
    p_win = p_win * np.array([T.CHANNEL_WIN_FACTOR[c] for c in CHANNELS])[leads.channel]
    p_win = np.minimum(
        np.where(leads.manager == STRONG, p_win * T.STRONG_MANAGER_WIN_FACTOR, p_win), 0.95
    )
    won = rng.random(n) < p_win
    lost_stage = np.zeros(n, dtype=np.int64)
    for o, name in enumerate(OUTCOMES):
        rows = np.flatnonzero(leads.outcome == o)
        lost_stage[rows] = _draw(rng, T.LOST_STAGE_SHARES[name], len(rows)).astype(np.int64)
    top = np.where(won, 6, lost_stage)

    times = np.zeros((n, 8), dtype=np.int64)
    times[:, 0] = leads.created
    fc_lo, fc_hi = T.FIRST_CONTACT_MINUTES
    times[:, 1] = np.minimum(
        leads.created + rng.integers(fc_lo * 60, fc_hi * 60 + 1, n), plan.end_s
    )
    times[:, 1] = np.maximum(times[:, 1], leads.created + 1)
    gap_lo, gap_hi = T.STATUS_GAP_DAYS
    for k in range(2, 7):
        times[:, k] = (times[:, k - 1] // DAY + rng.integers(gap_lo, gap_hi + 1, n)) * DAY + _tod(
            rng, n
        )
    base = times[np.arange(n), top]
    lost_days = (base // DAY + rng.integers(gap_lo, gap_hi + 1, n)) * DAY + _tod(rng, n)
    lost_quick = base + rng.integers(10 * 60, 240 * 60, n)
    times[:, 7] = np.where(leads.outcome == 2, lost_quick, lost_days)
    mask = np.zeros((n, 8), dtype=bool)
    mask[:, :7] = np.arange(7)[None, :] <= top[:, None]
    mask[:, 7] = ~won

    stories: dict[str, list[tuple[str, int]]] = {
        "won_no_amount": [("needs_identified", 1), ("meeting_scheduled", 2),
                          ("proposal_sent", 3), ("negotiation", 4), ("won", 5)],
        "won_then_lost": [("needs_identified", 1), ("meeting_scheduled", 2), ("proposal_sent", 3),
                          ("negotiation", 4), ("won", 5), ("negotiation", 7), ("lost", 9)],
        "lost_then_won": [("needs_identified", 1), ("lost", 2), ("needs_identified", 6),
                          ("meeting_scheduled", 7), ("proposal_sent", 8), ("negotiation", 9),
                          ("won", 10)],
        "reexport_newer": [("needs_identified", 1), ("meeting_scheduled", 3),
                           ("proposal_sent", 5), ("negotiation", 7), ("won", 9)],
        "reexport_stale": [("lost", -20)],
    }  # fmt: skip
    story_rows: list[tuple[int, int, int]] = []
    for role, steps in stories.items():
        for pos in roles[role]:
            i = pos - 1
            mask[i, :] = False
            for status, t in _story_events(rng, int(times[i, 0]), int(times[i, 1]), steps):
                story_rows.append((i, status, t))

    rows, cols = np.nonzero(mask)
    lead = np.concatenate([rows, np.array([r[0] for r in story_rows], dtype=np.int64)])
    status = np.concatenate([cols, np.array([r[1] for r in story_rows], dtype=np.int64)])
    t = np.concatenate([times[rows, cols], np.array([r[2] for r in story_rows], dtype=np.int64)])
    keep = t <= plan.end_s
    lead, status, t = lead[keep], status[keep], t[keep]
    order = np.lexsort((t, lead))
    lead, status, t = lead[order], status[order], t[order]
    first = np.r_[True, lead[1:] != lead[:-1]]
    start_idx = np.maximum.accumulate(np.where(first, np.arange(len(lead)), 0))
    number = np.arange(len(lead)) - start_idx + 1
    style = rng.choice(3, size=len(lead), p=_p(T.TIMESTAMP_STYLE_SHARES["crm_status_events"]))
    if not plan.clean:  # planted fault: stale leads stop after the first contact
        stale = np.isin(lead, np.asarray(roles["stale"], dtype=np.int64) - 1)
        keep = ~(stale & (number > 2))
        lead, status, t, number, style = (a[keep] for a in (lead, status, t, number, style))
    events = Events(
        lead=lead,
        status=status,
        t=t,
        number=number,
        by_owner=status != STATUS["new"],
        time_style=style,
    )
    return events, roles


def lead_state(leads: Leads, events: Events) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per lead: time of its latest change, its latest status, and whether it was ever won."""
    n = len(leads)
    last_t = leads.filled.copy()
    np.maximum.at(last_t, events.lead, events.t)
    last_status = np.full(n, STATUS["new"], dtype=np.int64)
    # events are sorted by (lead, time): the last row of each lead is its latest status
    if len(events.lead):
        is_last = np.r_[events.lead[1:] != events.lead[:-1], True]
        last_status[events.lead[is_last]] = events.status[is_last]
    ever_won = np.zeros(n, dtype=bool)
    ever_won[events.lead[events.status == WON]] = True
    return last_t, last_status, ever_won


# ------------------------------------------------------------------------------------------------
# Ad costs
# ------------------------------------------------------------------------------------------------


def headline_on(plan: Plan, camp: int, day: int) -> list[tuple[str, float]]:
    """(headline, share of the day's cost) rows a paid campaign carries on a day."""
    c = T.CAMPAIGNS[camp]
    hc, rh, sd = T.HEADLINE_CHANGE, T.RETURNING_HEADLINE, T.SPLIT_HEADLINE_DAY
    if (c.channel, c.name) == (hc.channel, hc.campaign):
        return [(hc.old_headline if day < plan.headline_day else hc.new_headline, 1.0)]
    if (c.channel, c.name) == (rh.channel, rh.campaign):
        b = plan.b_days[0] <= day <= plan.b_days[1]
        return [(rh.headline_b if b else rh.headline_a, 1.0)]
    if (c.channel, c.name) == (sd.channel, sd.campaign) and day == plan.split_day:
        return [(c.headline, 1 - sd.second_share), (sd.second_headline, sd.second_share)]
    return [(c.headline, 1.0)]


def generate_costs(plan: Plan, week: int, calls: Calls) -> list[dict[str, str]]:
    """Daily rows per paid campaign and headline; spend follows the campaign's calls."""
    rng = plan.rng(week, "costs")
    rows: list[dict[str, str]] = []
    weekday = _p(T.WEEKDAY_WEIGHTS)
    inbound_week = plan.calls_per_week * (1 - T.OUTBOUND_SHARE)
    for d in range(7):
        day = week * 7 + d
        day_date = plan.cal.day(day)
        for i, c in enumerate(T.CAMPAIGNS):
            if c.channel not in T.PAID_CHANNELS:
                continue
            weight = float(plan.campaign_weight(i, np.array([day]))[0])
            if weight == 0:
                continue
            options = [j for j, o in enumerate(T.CAMPAIGNS) if o.channel == c.channel]
            total = sum(float(plan.campaign_weight(j, np.array([day]))[0]) for j in options)
            expected = inbound_week * T.CHANNEL_CALL_SHARES[c.channel] * weight / total
            if c.channel == "outdoor":
                spend = c.cost_per_call_rub * expected / 7 * rng.uniform(0.97, 1.03)
            else:
                actual = int(np.sum(calls.inbound & (calls.camp == i) & (calls.day == day)))
                mix = 0.35 * expected * weekday[d] + 0.65 * actual
                spend = c.cost_per_call_rub * max(mix, 0.2) * rng.uniform(0.85, 1.15)
            for headline, share in headline_on(plan, i, day):
                cost = round(spend * share, 2)
                row = {
                    "date": day_date.isoformat(),
                    "channel": c.channel,
                    "campaign": c.name,
                    "headline": headline,
                    "impressions": "",
                    "reach": "",
                    "clicks": "",
                    "cost": f"{cost:.2f}",
                    "currency": T.COST_CURRENCY[c.channel],
                    "vat_included": T.COST_VAT_INCLUDED[c.channel],
                }
                if c.channel == "outdoor":
                    row["reach"] = str(int(cost * T.OUTDOOR_REACH_PER_RUB * rng.uniform(0.9, 1.1)))
                else:
                    shows = int(cost / T.COST_CPM_RUB[c.channel] * 1000 * rng.uniform(0.9, 1.1))
                    row["impressions"] = str(shows)
                    row["clicks"] = str(int(shows * T.COST_CTR[c.channel] * rng.uniform(0.8, 1.2)))
                rows.append(row)
    return rows


def registry_rows(plan: Plan) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The number registry, and the later file that moves one number to another channel."""
    start = (plan.cal.first_monday - timedelta(days=T.REGISTRY_LEAD_DAYS)).isoformat()
    mv = T.MOVED_NUMBER
    nat = plan.national()

    # Outdoor numbers are written as on the billboards; the rest in E.164.
    shown_all = fmt.phones(nat, np.zeros(len(nat), dtype=np.int64)).to_pylist()
    shown_outdoor = fmt.phones(nat, np.ones(len(nat), dtype=np.int64)).to_pylist()

    def shown(i: int, channel: str) -> str:
        return shown_outdoor[i] if channel == "outdoor" else shown_all[i]

    base: list[dict[str, str]] = []
    for c in T.CAMPAIGNS:
        for number in c.static_numbers:
            i = plan.number_index(number)
            base.append(_registry_row(shown(i, c.channel), c.channel, c.name, "static", start, ""))
    for i in plan.dynamic:
        base.append(
            _registry_row(shown(i, T.DYNAMIC_CHANNEL), T.DYNAMIC_CHANNEL, "", "dynamic", start, "")
        )
    moved_on = plan.cal.day(plan.move_day)
    i = plan.number_index(mv.number)
    later = [
        _registry_row(
            shown(i, mv.old_channel),
            mv.old_channel,
            mv.old_campaign,
            "static",
            start,
            (moved_on - timedelta(days=1)).isoformat(),
        ),
        _registry_row(
            shown(i, mv.new_channel),
            mv.new_channel,
            mv.new_campaign,
            "static",
            moved_on.isoformat(),
            "",
        ),
    ]
    return base, later


def _registry_row(
    number: str, channel: str, campaign: str, kind: str, first: str, last: str
) -> dict[str, str]:
    return {
        "tracking_number": number,
        "channel": channel,
        "campaign": campaign,
        "number_type": kind,
        "valid_from": first,
        "valid_to": last,
    }
