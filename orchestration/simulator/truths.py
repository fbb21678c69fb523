"""Every truth and fault the demo simulator plants, declared once for tests to look for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# --------------------------------------------------------------------------------------------
# Run shape
# --------------------------------------------------------------------------------------------

MIN_CALLS_PER_WEEK = 200  # below this the planted leads may not exist where declared
MAX_WEEKS = 520

# Landing file names: one file per week per event source, named by the week's Monday, so that
# names sort chronologically; the number registry is one file plus a later one for the move.
EVENT_SOURCES = ("calls", "crm_leads", "crm_status_events", "ad_costs")
# A week's file holds what happened that week: calls by start, status events by change time, ad
# costs by day, and lead cards by their latest update (so a card appears once, in the week of its
# last change before the data end; planted re-exports aside).
REGISTRY_FILE = "registry.csv"


def week_file(source: str, monday: date) -> str:
    """Landing path (relative to the landing folder) of one week's file of an event source."""
    return f"{source}/{source}_{monday.isoformat()}.csv"


def registry_update_file(moved_on: date) -> str:
    """Landing path of the later registry file that moves a number from `moved_on`."""
    return f"tracking_numbers/registry_{moved_on.isoformat()}.csv"


# Calls carry one column the contract does not know, to prove extra columns are ignored. It sits
# in the middle of the header (after `talk_seconds`), so a reader must go by name, not position.
EXTRA_CALL_COLUMN = "tracker_comment"
EXTRA_CALL_COLUMN_AFTER = "talk_seconds"


@dataclass(frozen=True)
class Calendar:
    """The run's weeks: `weeks` Monday–Sunday weeks in the business time zone."""

    first_monday: date
    weeks: int

    @property
    def last_sunday(self) -> date:
        return self.first_monday + timedelta(days=7 * self.weeks - 1)

    @property
    def days(self) -> int:
        return 7 * self.weeks

    def monday(self, week: int) -> date:
        return self.first_monday + timedelta(days=7 * week)

    def day(self, offset: int) -> date:
        return self.first_monday + timedelta(days=offset)

    @property
    def middle_monday(self) -> date:
        return self.monday(self.weeks // 2)


def calendar_for(as_of: datetime, timezone: str, weeks: int) -> Calendar:
    """The calendar ending on the Sunday of the last complete week before `as_of`.

    A naive `as_of` is read in the business time zone, as `CALLFUNNEL_AS_OF` is.
    """
    tz = ZoneInfo(timezone)
    moment = as_of if as_of.tzinfo else as_of.replace(tzinfo=tz)
    local = moment.astimezone(tz).date()
    last_monday = local - timedelta(days=local.weekday()) - timedelta(days=7)
    return Calendar(first_monday=last_monday - timedelta(days=7 * (weeks - 1)), weeks=weeks)


# --------------------------------------------------------------------------------------------
# Channels, campaigns and tracking numbers
# --------------------------------------------------------------------------------------------

# Inbound channels (codes from seeds/channels.csv) and their share of inbound calls. Calls are
# allocated to channels by these shares exactly (largest remainder) every week.
CHANNEL_CALL_SHARES: dict[str, float] = {
    "context": 0.27,
    "organic": 0.18,
    "site": 0.14,
    "targeted": 0.13,
    "social": 0.12,
    "email": 0.08,
    "outdoor": 0.08,
}
INBOUND_CHANNELS: tuple[str, ...] = tuple(CHANNEL_CALL_SHARES)
PAID_CHANNELS = ("context", "targeted", "social", "outdoor")  # is_paid in seeds/channels.csv
OUTBOUND_SHARE = 0.06  # share of all calls that the sales team dials itself

# Applications per inbound call of each channel (application calls / calls), allocated exactly per
# channel and week among the channel's answered, non-spam calls of 45 s or more.
CHANNEL_APPLICATION_RATES: dict[str, float] = {
    "context": 0.22,
    "site": 0.17,
    "targeted": 0.14,
    "email": 0.12,
    "social": 0.10,
    "organic": 0.08,
    "outdoor": 0.06,
}
APPLICATION_RATE_ORDER: tuple[str, ...] = tuple(
    sorted(CHANNEL_APPLICATION_RATES, key=lambda c: -CHANNEL_APPLICATION_RATES[c])
)
APPLICATION_MIN_TALK_SECONDS = 45


@dataclass(frozen=True)
class Campaign:
    """Where a channel's calls come from: its static numbers and its dynamic-number sessions."""

    channel: str
    name: str  # '' = no campaign
    weight: float  # share of the channel's calls
    static_numbers: tuple[str, ...]  # E.164
    dynamic_share: float  # share of its calls that arrive through the dynamic pool
    utm_sources: tuple[str, ...] = ()  # sources of its dynamic calls ('' pool = no utm at all)
    utm_medium: str = ""
    headline: str = ""  # the headline its ad costs carry (paid campaigns only)
    cost_per_call_rub: float = 0.0  # paid campaigns: spend per expected call


CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign(
        channel="context",
        name="brand_search",
        weight=0.4,
        static_numbers=("+74952150310",),
        dynamic_share=0.65,
        utm_sources=("yandex", "google"),
        utm_medium="cpc",
        headline="Виртуальная АТС «Линия» — официальный сайт",
        cost_per_call_rub=1300.0,
    ),
    Campaign(
        channel="context",
        name="generic_search",
        weight=0.6,
        static_numbers=("+74952150311",),
        dynamic_share=0.65,
        utm_sources=("yandex", "google"),
        utm_medium="cpc",
        headline="Виртуальная АТС для офиса",
        cost_per_call_rub=1700.0,
    ),
    Campaign(
        channel="targeted",
        name="vk_leadgen",
        weight=0.6,
        static_numbers=("+74952150312",),
        dynamic_share=0.5,
        utm_sources=("vk",),
        utm_medium="paid_social",
        headline="Телефония для отдела продаж: запись звонков и CRM",
        cost_per_call_rub=1100.0,
    ),
    Campaign(
        channel="targeted",
        name="mytarget_retarget",
        weight=0.4,
        static_numbers=("+74952150313",),
        dynamic_share=0.5,
        utm_sources=("mytarget",),
        utm_medium="cpm",
        headline="Вернитесь: первый месяц АТС бесплатно",
        cost_per_call_rub=900.0,
    ),
    Campaign(
        channel="social",
        name="tg_posts",
        weight=0.55,
        static_numbers=("+74952150314",),
        dynamic_share=0.4,
        utm_sources=("telegram",),
        utm_medium="social",
        headline="Как не терять звонки клиентов",
        cost_per_call_rub=800.0,
    ),
    Campaign(
        channel="social",
        name="insta_stories",
        weight=0.45,
        static_numbers=("+74952150315",),
        dynamic_share=0.4,
        utm_sources=("instagram",),
        utm_medium="social",
        headline="Офисная телефония, настройка за 1 день",
        cost_per_call_rub=750.0,
    ),
    Campaign(
        channel="outdoor",
        name="metro_billboards",
        weight=0.6,
        static_numbers=("+74952150316", "+74952150317"),
        dynamic_share=0.0,
        headline="Звоните — подключим АТС за день",
        cost_per_call_rub=2600.0,
    ),
    Campaign(
        channel="outdoor",
        name="bus_stops",
        weight=0.4,
        static_numbers=("+74952150318",),
        dynamic_share=0.0,
        headline="АТС «Линия»: звонки без потерь",
        cost_per_call_rub=2400.0,
    ),
    Campaign(
        channel="email",
        name="newsletter",
        weight=1.0,
        static_numbers=("+74952150319",),
        dynamic_share=0.6,
        utm_sources=("email", "newsletter"),
        utm_medium="email",
    ),
    Campaign(
        channel="organic",
        name="",
        weight=1.0,
        static_numbers=("+74952150320",),
        dynamic_share=0.6,
        utm_sources=("seo",),
        utm_medium="organic",
    ),
    Campaign(
        channel="site",
        name="",
        weight=1.0,
        static_numbers=("+74952150321", "+78005553521"),
        dynamic_share=0.7,
    ),
)
PAID_CAMPAIGNS: tuple[Campaign, ...] = tuple(c for c in CAMPAIGNS if c.channel in PAID_CHANNELS)

# The dynamic pool: registered as `site` with no campaign; a call through it carries utm_source
# (mapped to a channel by seeds/utm_sources.csv) and utm_campaign, except direct site visitors,
# who carry no utm and so fall back to the registry's channel, `site`.
DYNAMIC_CHANNEL = "site"
DYNAMIC_NUMBER_PREFIX = "+7499390"  # followed by four digits


def dynamic_numbers(calls_per_week: int) -> tuple[str, ...]:
    """The dynamic pool's numbers: at least 8, one per 250 weekly calls."""
    count = min(9999, max(8, calls_per_week // 250))
    return tuple(f"{DYNAMIC_NUMBER_PREFIX}{i:04d}" for i in range(1, count + 1))


# Tracking numbers are registered from this many days before the first week.
REGISTRY_LEAD_DAYS = 28


@dataclass(frozen=True)
class MovedNumber:
    """A static number that moves to another channel and campaign on a known date."""

    number: str
    old_channel: str
    old_campaign: str
    new_channel: str
    new_campaign: str

    def moved_on(self, cal: Calendar) -> date:
        """First day in the new channel: the Thursday of the middle week."""
        return cal.middle_monday + timedelta(days=3)


# The bus-stop campaign ends the day before the move; its number then rings for Telegram posts.
MOVED_NUMBER = MovedNumber("+74952150318", "outdoor", "bus_stops", "social", "tg_posts")

# --------------------------------------------------------------------------------------------
# Headlines
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineChange:
    """A campaign switches headline on a known date; its answered calls get longer after it."""

    channel: str
    campaign: str
    old_headline: str
    new_headline: str
    talk_factor: float  # answered non-spam calls of the campaign talk this much longer after

    def changed_on(self, cal: Calendar) -> date:
        """First day of the new headline: the Wednesday of the middle week."""
        return cal.middle_monday + timedelta(days=2)


HEADLINE_CHANGE = HeadlineChange(
    "context",
    "generic_search",
    "Виртуальная АТС для офиса",
    "Виртуальная АТС за 1 день — 14 дней бесплатно",
    1.45,
)


@dataclass(frozen=True)
class ReturningHeadline:
    """A campaign runs headline A, then B, then A again: the return starts a new period."""

    channel: str
    campaign: str
    headline_a: str
    headline_b: str

    def b_days(self, cal: Calendar) -> tuple[date, date]:
        """First and last day of headline B (the middle third of the run)."""
        return cal.day(cal.days // 3), cal.day(2 * cal.days // 3 - 1)


RETURNING_HEADLINE = ReturningHeadline(
    "social", "tg_posts", "Как не терять звонки клиентов", "Запись звонков и аналитика — бесплатно"
)


@dataclass(frozen=True)
class SplitHeadlineDay:
    """One day on which a campaign runs two headlines at once (an A/B test)."""

    channel: str
    campaign: str
    second_headline: str
    second_share: float

    def day(self, cal: Calendar) -> date:
        return cal.day(cal.days // 2 - 1)


SPLIT_HEADLINE_DAY = SplitHeadlineDay(
    "context", "brand_search", "АТС «Линия»: звонки, CRM и аналитика", 0.45
)

# --------------------------------------------------------------------------------------------
# When people call
# --------------------------------------------------------------------------------------------

# Relative call volume by weekday (Monday first) and by hour in the business time zone.
WEEKDAY_WEIGHTS: tuple[float, ...] = (1.18, 1.16, 1.12, 1.08, 1.0, 0.42, 0.28)
HOUR_WEIGHTS_WEEKDAY: tuple[float, ...] = (
    0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 2.0, 4.6, 7.6, 8.0,
    6.6, 5.4, 5.7, 5.5, 5.1, 4.5, 3.5, 2.3, 1.4, 0.9, 0.5, 0.25,
)  # fmt: skip
HOUR_WEIGHTS_WEEKEND: tuple[float, ...] = (
    0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.6, 2.6, 3.2,
    3.4, 3.3, 3.1, 2.9, 2.6, 2.2, 1.8, 1.4, 1.0, 0.7, 0.4, 0.2,
)  # fmt: skip
PEAK_HOURS = (10, 11)  # the busiest weekday hours
QUIET_WEEKDAYS = (5, 6)  # Saturday, Sunday: each under half an average weekday's calls

# Answering: managers work 09:00–19:00 on weekdays and 10:00–17:00 at weekends.
WORKING_HOURS_WEEKDAY = (9, 19)
WORKING_HOURS_WEEKEND = (10, 17)
ANSWER_RATE_WORKING = 0.88
ANSWER_RATE_OFF_HOURS = 0.4
UNANSWERED_STATUS_SHARES: dict[str, float] = {"missed": 0.6, "voicemail": 0.2, "busy": 0.2}

# --------------------------------------------------------------------------------------------
# Callers
# --------------------------------------------------------------------------------------------

HIDDEN_CALLER_SHARE = 0.04  # half `anonymous`, half empty
SPAM_CALL_SHARE = 0.05  # answered robocalls of 3–25 s from a few numbers
SPAM_NUMBERS: tuple[str, ...] = (
    "+79585550101", "+79585550102", "+79585550103",
    "+74993330404", "+74993330405", "+79005550606",
)  # fmt: skip
SPAM_TALK_SECONDS = (3, 25)
SHORT_CALL_SECONDS = 30  # answered under this: a short call
QUALITY_CALL_SECONDS = 60  # answered this long or longer: a quality call
TALK_MEDIAN_SECONDS = 140
REPEAT_CALL_SHARE = 0.22  # identified non-spam inbound calls from a number seen in the last days
MOBILE_SHARE = 0.85  # new callers: mobile (9xx) vs Moscow landline (495/499)

# Phone formats as real exports write them; index = style code used by the generator.
PHONE_FORMATS: tuple[str, ...] = (
    "+79161234567",
    "+7 (916) 123-45-67",
    "8 916 123 45 67",
    "89161234567",
    "7-916-123-45-67",
    "8(916)123-45-67",
    "79161234567",
)
CALLER_FORMAT_WEIGHTS = (0.35, 0.15, 0.10, 0.15, 0.08, 0.07, 0.10)
CONTACT_FORMAT_WEIGHTS = (0.5, 0.3, 0.0, 0.2, 0.0, 0.0, 0.0)
TRACKING_FORMAT_WEIGHTS = (0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5)

# Timestamps: share without offset (business time), with the local offset, and in UTC (`Z`).
TIMESTAMP_STYLE_SHARES: dict[str, tuple[float, float, float]] = {
    "calls": (0.86, 0.09, 0.05),
    "crm_leads": (0.75, 0.15, 0.10),
    "crm_status_events": (0.70, 0.10, 0.20),
}

# --------------------------------------------------------------------------------------------
# Leads, managers and the funnel
# --------------------------------------------------------------------------------------------

MANAGERS: tuple[str, ...] = ("m01", "m02", "m03", "m04", "m05", "m06")
STRONG_MANAGER = "m02"
STRONG_MANAGER_WIN_FACTOR = 1.9  # his leads win this much more often on the same channel mix

OTHER_LEAD_SHARE = 0.45  # eligible calls without an application that still get a card
CONSULTATION_SHARE = 0.62  # of those: consultation, else refusal
LEAD_DELAY_MINUTES = (1, 15)  # card created this long after the call ends
# Answered first-time quality calls (≥ 60 s) that got a lead card: about 57%, always above this.
CARD_SHARE_FLOOR = 0.5

# Probability that a lead ends won, by call outcome, before channel and manager factors.
WIN_PROBABILITY: dict[str, float] = {"application": 0.40, "consultation": 0.06, "refusal": 0.0}
CHANNEL_WIN_FACTOR: dict[str, float] = {
    "context": 1.0,
    "organic": 1.1,
    "site": 1.0,
    "targeted": 0.8,
    "social": 0.7,
    "email": 0.9,
    "outdoor": 0.9,
}

FUNNEL: tuple[str, ...] = (
    "new",
    "first_contact",
    "needs_identified",
    "meeting_scheduled",
    "proposal_sent",
    "negotiation",
    "won",
)
LOST = "lost"
STATUSES: tuple[str, ...] = (*FUNNEL, LOST)
# Furthest stage (index in FUNNEL) of a lost lead, by call outcome.
LOST_STAGE_SHARES: dict[str, dict[int, float]] = {
    "application": {2: 0.25, 3: 0.30, 4: 0.25, 5: 0.20},
    "consultation": {1: 0.5, 2: 0.4, 3: 0.1},
    "refusal": {1: 1.0},
}
FIRST_CONTACT_MINUTES = (2, 90)  # after the card is created
STATUS_GAP_DAYS = (1, 5)  # later stages: this many days later, at a working-hour time
MAX_STATUS_GAP_DAYS = 6  # no two consecutive status changes of one lead are further apart
# With data ending on a Sunday and `as_of` within the following week, a clean open lead has had a
# status change less than this many days before `as_of`: a staleness threshold of at least this
# finds only the planted stale leads.
STALE_SAFE_DAYS = 14

QUALITY_SCORE_SHARES: dict[str, dict[int, float]] = {
    "application": {3: 0.15, 4: 0.45, 5: 0.40},
    "consultation": {2: 0.15, 3: 0.40, 4: 0.35, 5: 0.10},
    "refusal": {1: 0.35, 2: 0.40, 3: 0.25},
}

# Refusal reasons (codes from seeds/refusal_reasons.csv) of lost leads, by the lead's channel.
_DEFAULT_REFUSALS = {
    "competitor": 0.22,
    "price": 0.20,
    "no_need": 0.16,
    "not_target": 0.14,
    "product_complexity": 0.12,
    "no_answer": 0.08,
    "bad_connection": 0.04,
    "other": 0.04,
}
REFUSAL_MIX: dict[str, dict[str, float]] = {
    **{c: _DEFAULT_REFUSALS for c in INBOUND_CHANNELS},
    "social": {
        "price": 0.46,
        "competitor": 0.14,
        "no_need": 0.12,
        "not_target": 0.10,
        "product_complexity": 0.06,
        "no_answer": 0.06,
        "bad_connection": 0.03,
        "other": 0.03,
    },
    "site": {
        "product_complexity": 0.40,
        "price": 0.16,
        "competitor": 0.14,
        "no_need": 0.10,
        "not_target": 0.08,
        "no_answer": 0.06,
        "bad_connection": 0.03,
        "other": 0.03,
    },
}
DOMINANT_REFUSAL: dict[str, str] = {"social": "price", "site": "product_complexity"}

# Deal values: RUB log-normal around the median; a few deals are recorded in USD or EUR.
DEAL_MEDIAN_RUB = 180_000
DEAL_MEDIAN_FOREIGN = 2_200
DEAL_CURRENCY_SHARES: dict[str, float] = {"RUB": 0.93, "USD": 0.04, "EUR": 0.03}

# Leads found only by phone: a card with a contact phone and no call_id, created 1–20 days after
# an answered call from that phone (so within the 30-day phone-match window), from Wednesday on.


def phone_match_leads_per_week(calls_per_week: int) -> int:
    """How many phone-only leads each week has."""
    return max(1, calls_per_week // 250)


PHONE_MATCH_DELAY_DAYS = (1, 20)
PHONE_MATCH_OUTCOME_SHARES: dict[str, float] = {
    "application": 0.3,
    "consultation": 0.5,
    "refusal": 0.2,
}

# --------------------------------------------------------------------------------------------
# Ad costs
# --------------------------------------------------------------------------------------------

# Spend per paid campaign and day follows its calls: cost_per_call × (35% of the expected daily
# calls + 65% of the actual ones) × noise. Online rows report impressions and clicks, outdoor
# rows reach. VAT and currency columns as each platform exports them.
COST_VAT_INCLUDED: dict[str, str] = {
    "context": "true",
    "targeted": "false",
    "social": "",
    "outdoor": "1",
}
COST_CURRENCY: dict[str, str] = {"context": "RUB", "targeted": "RUB", "social": "", "outdoor": ""}
COST_CPM_RUB: dict[str, float] = {"context": 260.0, "targeted": 180.0, "social": 120.0}
COST_CTR: dict[str, float] = {"context": 0.035, "targeted": 0.009, "social": 0.006}
OUTDOOR_REACH_PER_RUB = 3.2

# --------------------------------------------------------------------------------------------
# Planted faults and special leads
# --------------------------------------------------------------------------------------------
# Calls are identified by (week, line position) and leads by (week, position in creation order),
# so every id is known before any data is generated: call ids are `CT-<Monday yyyymmdd>-<nnnnnn>`
# with n the call's 1-based position in its week's file (line n + 1), lead ids
# `LD-<Monday yyyymmdd>-<nnnnnn>` in creation order within the week, and status event ids
# `EV-<Monday yyyymmdd>-<lead nnnnnn>-<kk>` with k the event's number within its lead.


def call_id(monday: date, position: int) -> str:
    """Id of the call at `position` (1-based) of the week starting `monday`."""
    return f"CT-{monday:%Y%m%d}-{position:06d}"


def lead_id(monday: date, position: int) -> str:
    """Id of the `position`-th lead (1-based, creation order) of the week starting `monday`."""
    return f"LD-{monday:%Y%m%d}-{position:06d}"


def event_id(monday: date, lead_position: int, number: int) -> str:
    """Id of the `number`-th status event of a lead."""
    return f"EV-{monday:%Y%m%d}-{lead_position:06d}-{number:02d}"


@dataclass(frozen=True)
class CallSpot:
    """A planted call: week index and 1-based position in that week's calls file."""

    week: int
    position: int


@dataclass(frozen=True)
class LeadSpot:
    """A planted lead: week index and 1-based position in that week's creation order."""

    week: int
    position: int


# Rows the ingestion rejects (quarantine reason in the contract's `code:column` form).
@dataclass(frozen=True)
class RejectSpec:
    spot: CallSpot
    column: str
    value: str
    reason: str


CALL_REJECTS: tuple[RejectSpec, ...] = (
    RejectSpec(CallSpot(0, 11), "caller_number", "12ab", "bad_phone:caller_number"),
    RejectSpec(CallSpot(0, 23), "talk_seconds", "-5", "bad_integer:talk_seconds"),
    RejectSpec(CallSpot(1, 17), "status", "dropped", "bad_choice:status"),
    RejectSpec(CallSpot(1, 29), "started_at", "yesterday 14:00", "bad_timestamp:started_at"),
)
# A status event whose code is not in seeds/crm_statuses.csv (held out in dbt, not rejected).
UNKNOWN_STATUS_CODE = "on_hold"
UNKNOWN_STATUS_LEAD = LeadSpot(0, 3)
UNKNOWN_STATUS_EVENT_NUMBER = 90  # its event number within the lead (the id's last part)

# Duplicates to merge.
CALL_REEXPORT = CallSpot(0, 41)  # exported again at the end of the next week's file
CALL_REEXPORT_TALK_DELTA = 45  # the later export corrects talk_seconds by this much
CALL_REEXPORT_COMMENT = "duration corrected"
LEAD_REEXPORT_NEWER = LeadSpot(1, 6)  # a creation-time snapshot, then the later full card
LEAD_REEXPORT_STALE = LeadSpot(0, 9)  # a stale snapshot re-sent in the next week's file
COST_REEXPORT_CHANNEL = "targeted"
COST_REEXPORT_DAY = 3  # Thursday of the first week, re-exported in the second week's file
COST_REEXPORT_FACTOR = 1.15
COST_TYPO_SUFFIX = " !!"  # the first export of that day carries a mangled vk_leadgen headline

# Reference gaps (kept; later checks report them).
UNREGISTERED_NUMBER = "+74957770011"
UNREGISTERED_CALLS: tuple[CallSpot, ...] = (CallSpot(0, 53), CallSpot(1, 47), CallSpot(1, 59))
LEAD_WITHOUT_EVENTS = LeadSpot(1, 2)
LEAD_UNKNOWN_CALL = LeadSpot(1, 4)  # call_id → position 000000 of its week, which never exists

# Data-quality gaps.
SCORE_SKIPPER = "m04"  # leaves quality_score empty on this share of his leads
SCORE_SKIP_SHARE = 0.6
REASON_SKIPPER = "m06"  # leaves refusal_reason empty on this share of his lost leads
REASON_SKIP_SHARE = 0.5
NO_SPEND_CHANNEL = "outdoor"  # has calls but no cost rows in this week
NO_SPEND_WEEK = 1
STALE_MANAGER = "m05"
STALE_LEADS: tuple[LeadSpot, ...] = (LeadSpot(0, 2), LeadSpot(0, 4), LeadSpot(0, 6))
WON_WITHOUT_AMOUNT = LeadSpot(0, 5)

# Realism kept in clean mode too: reopened leads (a status after won or lost).
REOPENED_WON_THEN_LOST = LeadSpot(0, 7)
REOPENED_LOST_THEN_WON = LeadSpot(0, 8)

# Calls that the generator keeps free of leads and forces inbound, in both modes, so that clean
# and faulty runs differ exactly by the faults.
RESERVED_CALLS: tuple[CallSpot, ...] = (
    *(r.spot for r in CALL_REJECTS),
    *UNREGISTERED_CALLS,
)
# Leads whose story is scripted (in both modes); all must be card-from-call leads.
SCRIPTED_LEADS: tuple[LeadSpot, ...] = (
    UNKNOWN_STATUS_LEAD,
    LEAD_REEXPORT_NEWER,
    LEAD_REEXPORT_STALE,
    LEAD_WITHOUT_EVENTS,
    LEAD_UNKNOWN_CALL,
    *STALE_LEADS,
    WON_WITHOUT_AMOUNT,
    REOPENED_WON_THEN_LOST,
    REOPENED_LOST_THEN_WON,
)
# Scripted leads (and the faults built on them) need a run of at least this many weeks.
MIN_WEEKS_STORY = 3


# --------------------------------------------------------------------------------------------
# Resolved faults: exact ids, files and lines for one calendar
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RejectedCall:
    call_id: str
    file: str
    line: int  # physical line, header = 1
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class DuplicateCall:
    call_id: str
    first_file: str
    first_line: int
    second_file: str  # the later file; its row is appended after the week's own calls
    column: str
    delta: int  # second value = first value + delta


@dataclass(frozen=True)
class DuplicateLead:
    lead_id: str
    later_file_is_newer: bool  # False: the later file holds an older updated_at, which loses


@dataclass(frozen=True)
class CostReexport:
    date: date
    channel: str
    first_file: str
    second_file: str
    factor: float  # re-exported cost = original cost × factor (per campaign, rounded to kopecks)


@dataclass(frozen=True)
class PlantedFaults:
    """Every fault one run plants, resolved to exact ids (empty in clean mode)."""

    rejected_calls: tuple[RejectedCall, ...] = ()
    unknown_status_events: tuple[tuple[str, str, str], ...] = ()  # (event_id, lead_id, status)
    duplicate_calls: tuple[DuplicateCall, ...] = ()
    duplicate_leads: tuple[DuplicateLead, ...] = ()
    cost_reexports: tuple[CostReexport, ...] = ()
    unregistered_number: str = UNREGISTERED_NUMBER
    unregistered_calls: tuple[str, ...] = ()
    leads_without_events: tuple[str, ...] = ()
    leads_with_unknown_call: tuple[tuple[str, str], ...] = ()  # (lead_id, call_id it points to)
    score_skipper: str | None = None
    reason_skipper: str | None = None
    no_spend: tuple[tuple[str, date], ...] = ()  # (channel, week Monday)
    stale_leads: tuple[str, ...] = ()
    stale_manager: str | None = None
    won_without_amount: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.rejected_calls,
                self.unknown_status_events,
                self.duplicate_calls,
                self.duplicate_leads,
                self.cost_reexports,
                self.unregistered_calls,
                self.leads_without_events,
                self.leads_with_unknown_call,
                self.score_skipper,
                self.reason_skipper,
                self.no_spend,
                self.stale_leads,
                self.won_without_amount,
            )
        )


def _fits(cal: Calendar, week: int, min_weeks: int = 1) -> bool:
    return week < cal.weeks and cal.weeks >= min_weeks


def planted_faults(cal: Calendar, clean: bool = False) -> PlantedFaults:
    """The faults a run over `cal` plants: none when clean; those whose week fits otherwise."""
    if clean:
        return PlantedFaults()
    mon = cal.monday

    rejects = tuple(
        RejectedCall(
            call_id(mon(r.spot.week), r.spot.position),
            week_file("calls", mon(r.spot.week)),
            r.spot.position + 1,
            r.column,
            r.value,
            r.reason,
        )
        for r in CALL_REJECTS
        if _fits(cal, r.spot.week)
    )
    dup_calls: tuple[DuplicateCall, ...] = ()
    if _fits(cal, CALL_REEXPORT.week + 1):
        w = CALL_REEXPORT.week
        dup_calls = (
            DuplicateCall(
                call_id(mon(w), CALL_REEXPORT.position),
                week_file("calls", mon(w)),
                CALL_REEXPORT.position + 1,
                week_file("calls", mon(w + 1)),
                "talk_seconds",
                CALL_REEXPORT_TALK_DELTA,
            ),
        )
    dup_leads = []
    if _fits(cal, LEAD_REEXPORT_NEWER.week, MIN_WEEKS_STORY):
        s = LEAD_REEXPORT_NEWER
        dup_leads.append(DuplicateLead(lead_id(mon(s.week), s.position), True))
    if _fits(cal, LEAD_REEXPORT_STALE.week + 1, MIN_WEEKS_STORY):
        s = LEAD_REEXPORT_STALE
        dup_leads.append(DuplicateLead(lead_id(mon(s.week), s.position), False))
    costs: tuple[CostReexport, ...] = ()
    if _fits(cal, 1):
        costs = (
            CostReexport(
                cal.day(COST_REEXPORT_DAY),
                COST_REEXPORT_CHANNEL,
                week_file("ad_costs", mon(0)),
                week_file("ad_costs", mon(1)),
                COST_REEXPORT_FACTOR,
            ),
        )
    unknown_events: tuple[tuple[str, str, str], ...] = ()
    if _fits(cal, UNKNOWN_STATUS_LEAD.week, MIN_WEEKS_STORY):
        s = UNKNOWN_STATUS_LEAD
        unknown_events = (
            (
                event_id(mon(s.week), s.position, UNKNOWN_STATUS_EVENT_NUMBER),
                lead_id(mon(s.week), s.position),
                UNKNOWN_STATUS_CODE,
            ),
        )
    no_events = tuple(
        lead_id(mon(s.week), s.position)
        for s in (LEAD_WITHOUT_EVENTS,)
        if _fits(cal, s.week, MIN_WEEKS_STORY)
    )
    unknown_call = tuple(
        (lead_id(mon(s.week), s.position), call_id(mon(s.week), 0))
        for s in (LEAD_UNKNOWN_CALL,)
        if _fits(cal, s.week, MIN_WEEKS_STORY)
    )
    stale = tuple(
        lead_id(mon(s.week), s.position) for s in STALE_LEADS if _fits(cal, s.week, MIN_WEEKS_STORY)
    )
    won_no_amount = tuple(
        lead_id(mon(s.week), s.position)
        for s in (WON_WITHOUT_AMOUNT,)
        if _fits(cal, s.week, MIN_WEEKS_STORY)
    )
    return PlantedFaults(
        rejected_calls=rejects,
        unknown_status_events=unknown_events,
        duplicate_calls=dup_calls,
        duplicate_leads=tuple(dup_leads),
        cost_reexports=costs,
        unregistered_calls=tuple(
            call_id(mon(s.week), s.position) for s in UNREGISTERED_CALLS if _fits(cal, s.week)
        ),
        leads_without_events=no_events,
        leads_with_unknown_call=unknown_call,
        score_skipper=SCORE_SKIPPER,
        reason_skipper=REASON_SKIPPER,
        no_spend=((NO_SPEND_CHANNEL, mon(NO_SPEND_WEEK)),) if _fits(cal, NO_SPEND_WEEK) else (),
        stale_leads=stale,
        stale_manager=STALE_MANAGER if stale else None,
        won_without_amount=won_no_amount,
    )


@dataclass(frozen=True)
class PlantedTruths:
    """The dated truths of one run (present in clean and faulty runs alike)."""

    calendar: Calendar
    headline_changed_on: date
    number_moved_on: date
    returning_headline_b_days: tuple[date, date]
    split_headline_day: date
    reopened_won_then_lost: tuple[str, ...] = field(default=())
    reopened_lost_then_won: tuple[str, ...] = field(default=())
    phone_match_leads: int = 0


def planted_truths(cal: Calendar, calls_per_week: int) -> PlantedTruths:
    """Dates and ids of the truths a run over `cal` plants."""
    story = cal.weeks >= MIN_WEEKS_STORY

    def ids(spot: LeadSpot) -> tuple[str, ...]:
        return (lead_id(cal.monday(spot.week), spot.position),) if story else ()

    return PlantedTruths(
        calendar=cal,
        headline_changed_on=HEADLINE_CHANGE.changed_on(cal),
        number_moved_on=MOVED_NUMBER.moved_on(cal),
        returning_headline_b_days=RETURNING_HEADLINE.b_days(cal),
        split_headline_day=SPLIT_HEADLINE_DAY.day(cal),
        reopened_won_then_lost=ids(REOPENED_WON_THEN_LOST),
        reopened_lost_then_won=ids(REOPENED_LOST_THEN_WON),
        phone_match_leads=cal.weeks * phone_match_leads_per_week(calls_per_week),
    )
