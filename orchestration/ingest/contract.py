"""The input contract: one declaration of each landing source, read by the validator, the docs
generator and the simulator alike, so the three cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a landing value is parsed, validated and stored in the raw zone."""

    TEXT = "text"  # trimmed; empty → null
    TIMESTAMP = "timestamp"  # ISO-8601, optional offset (none = business time) → UTC timestamp
    DATE = "date"  # YYYY-MM-DD → date
    PHONE = "phone"  # any format phonenumbers judges possible → E.164 text
    INTEGER = "integer"  # whole number ≥ 0 → bigint
    DECIMAL = "decimal"  # `.` as decimal mark, ≥ 0 → decimal(18, 4)
    BOOLEAN = "boolean"  # true/false/1/0 (any case) → boolean
    CHOICE = "choice"  # one of `choices` (any case) → lower-case text
    CODE = "code"  # a code from a seed; checked in dbt, not at ingestion → trimmed text
    CURRENCY = "currency"  # ISO 4217 three-letter code → upper-case text


# Raw-zone storage type of each kind (DuckDB names; dbt staging casts to portable types).
STORAGE_TYPE: dict[Kind, str] = {
    Kind.TEXT: "VARCHAR",
    Kind.TIMESTAMP: "TIMESTAMP",
    Kind.DATE: "DATE",
    Kind.PHONE: "VARCHAR",
    Kind.INTEGER: "BIGINT",
    Kind.DECIMAL: "DECIMAL(18,4)",
    Kind.BOOLEAN: "BOOLEAN",
    Kind.CHOICE: "VARCHAR",
    Kind.CODE: "VARCHAR",
    Kind.CURRENCY: "VARCHAR",
}

KIND_FORMAT: dict[Kind, str] = {
    Kind.TEXT: "text",
    Kind.TIMESTAMP: "timestamp (ISO-8601, optional offset; none = business time zone)",
    Kind.DATE: "date `YYYY-MM-DD`",
    Kind.PHONE: "phone (any common format; stored as E.164)",
    Kind.INTEGER: "integer ≥ 0",
    Kind.DECIMAL: "decimal ≥ 0 (`.` as decimal mark)",
    Kind.BOOLEAN: "boolean `true/false/1/0`",
    Kind.CHOICE: "one of",
    Kind.CODE: "code",
    Kind.CURRENCY: "ISO 4217 currency",
}

# Values of a phone column that mean "the caller hid the number": kept, with no identity.
HIDDEN_PHONE_VALUES = ("", "anonymous")


@dataclass(frozen=True)
class Column:
    """One landing column: its parsing kind, whether it must be filled, and what it means."""

    name: str
    kind: Kind
    required: bool = False
    meaning: str = ""
    choices: tuple[str, ...] = ()
    # For a CODE: the seed file whose codes it must match (checked in dbt).
    seed: str | None = None
    # Required only when another column holds a value, e.g. ("direction", "inbound").
    required_when: tuple[str, str] | None = None
    # Value stored when the cell is empty.
    default: str | None = None
    # For a PHONE that identifies a person: the raw-zone column holding its HMAC-SHA256.
    hashed_as: str | None = None
    # For a PHONE: values that mean a hidden number (kept as null, never rejected).
    hidden_values: tuple[str, ...] = ()

    @property
    def storage_type(self) -> str:
        return STORAGE_TYPE[self.kind]

    def describe_type(self) -> str:
        if self.kind is Kind.CHOICE:
            return " / ".join(f"`{c}`" for c in self.choices)
        if self.kind is Kind.CODE and self.seed:
            return f"code (`seeds/{self.seed}.csv`)"
        return KIND_FORMAT[self.kind]

    def describe_required(self) -> str:
        if self.required_when:
            other, value = self.required_when
            return f"when {other} = {value}"
        return "yes" if self.required else "no"


@dataclass(frozen=True)
class Source:
    """One landing source: a subfolder of CSV files with a key and a rule for repeated keys."""

    name: str
    title: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    key_rule: str
    # Columns that order rows of one key before the file/line rule (latest value wins).
    newest_by: tuple[str, ...] = ()
    # For ad_costs: a later file replaces every row of these column groups.
    replace_by: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def folder(self) -> str:
        return self.name

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns a file must have in its header (conditionally required ones included)."""
        return tuple(c.name for c in self.columns if c.required or c.required_when)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    def raw_columns(self) -> list[tuple[str, str]]:
        """(name, DuckDB type) of every column in this source's raw-zone Parquet files."""
        cols: list[tuple[str, str]] = []
        for col in self.columns:
            cols.append((col.name, col.storage_type))
            if col.hashed_as:
                cols.append((col.hashed_as, "VARCHAR"))
        cols.extend(RAW_METADATA_COLUMNS)
        return cols


# Added to every raw-zone row: where it came from. `_source_line` is the physical line in the
# landing file (the header is line 1), so the key rule "later file, then later line" is exact.
# `_ingested_at` (UTC, one value per file, later for every file read later) lets the staging
# models read only the files ingested since their last run.
RAW_METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "VARCHAR"),
    ("_source_line", "BIGINT"),
    ("_ingested_at", "TIMESTAMP"),
)

# Every quarantine Parquet file has these columns.
QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_line", "BIGINT"),
    ("reason", "VARCHAR"),
    ("raw_record", "VARCHAR"),  # JSON object of the row's contract columns as they were sent
)

_UTM = "from dynamic number insertion sessions"

CALLS = Source(
    name="calls",
    title="Calls from the call tracker",
    key=("call_id",),
    key_rule="A row whose `call_id` was loaded before replaces it: the later file name wins, "
    "then the later line.",
    columns=(
        Column("call_id", Kind.TEXT, required=True, meaning="the tracker's id"),
        Column("started_at", Kind.TIMESTAMP, required=True, meaning="when the call began"),
        Column(
            "direction",
            Kind.CHOICE,
            required=True,
            choices=("inbound", "outbound"),
            meaning="outbound calls come from the sales team's own dialling",
        ),
        Column(
            "tracking_number",
            Kind.PHONE,
            required_when=("direction", "inbound"),
            meaning="the number the caller dialled",
        ),
        Column(
            "caller_number",
            Kind.PHONE,
            meaning="the customer's number; empty or `anonymous` = a hidden caller: the call is "
            "kept, with no caller identity",
            hashed_as="caller_key",
            hidden_values=HIDDEN_PHONE_VALUES,
        ),
        Column(
            "status",
            Kind.CHOICE,
            required=True,
            choices=("answered", "missed", "voicemail", "busy"),
        ),
        Column("wait_seconds", Kind.INTEGER, meaning="ringing time"),
        Column("talk_seconds", Kind.INTEGER, required=True, meaning="0 when not answered"),
        Column("utm_source", Kind.TEXT, meaning=_UTM),
        Column("utm_medium", Kind.TEXT, meaning=_UTM),
        Column("utm_campaign", Kind.TEXT, meaning=_UTM),
        Column("utm_content", Kind.TEXT, meaning=_UTM),
        Column("session_id", Kind.TEXT, meaning="web session behind a dynamic number"),
        Column("manager_id", Kind.TEXT, meaning="who answered"),
    ),
)

TRACKING_NUMBERS = Source(
    name="tracking_numbers",
    title="Tracking number registry",
    key=("tracking_number", "valid_from"),
    key_rule="A row whose (`tracking_number`, `valid_from`) was loaded before replaces it: the "
    "later file name wins, then the later line. Two periods of one number must not overlap "
    "(the build stops if they do).",
    columns=(
        Column("tracking_number", Kind.PHONE, required=True),
        Column("channel", Kind.CODE, required=True, seed="channels"),
        Column(
            "campaign",
            Kind.TEXT,
            meaning="matches `ad_costs.campaign`; for a dynamic number the call's utm_campaign "
            "wins when present",
        ),
        Column(
            "number_type",
            Kind.CHOICE,
            required=True,
            choices=("static", "dynamic"),
            meaning="a dynamic number takes its channel from the call's utm_source through "
            "`seeds/utm_sources.csv`, falling back to the registry's channel",
        ),
        Column("valid_from", Kind.DATE, required=True, meaning="inclusive, business time zone"),
        Column(
            "valid_to",
            Kind.DATE,
            meaning="inclusive; empty = open-ended. A number can move between channels over time",
        ),
    ),
)

CRM_LEADS = Source(
    name="crm_leads",
    title="CRM lead cards",
    key=("lead_id",),
    newest_by=("updated_at",),
    key_rule="Of the rows with one `lead_id`, the latest `updated_at` wins; on a tie the later "
    "file name, then the later line.",
    columns=(
        Column("lead_id", Kind.TEXT, required=True),
        Column("created_at", Kind.TIMESTAMP, required=True),
        Column(
            "contact_phone", Kind.PHONE, hashed_as="contact_key", hidden_values=HIDDEN_PHONE_VALUES
        ),
        Column("call_id", Kind.TEXT, meaning="the call that created the card"),
        Column("manager_id", Kind.TEXT, required=True, meaning="the lead's owner"),
        Column(
            "call_outcome",
            Kind.CHOICE,
            choices=("application", "consultation", "refusal"),
            meaning="the manager's mark of the first conversation; empty = not filled",
        ),
        Column(
            "quality_score",
            Kind.INTEGER,
            meaning="the manager's mark of the dialogue, 1–5; empty = not filled",
        ),
        Column(
            "refusal_reason",
            Kind.CODE,
            seed="refusal_reasons",
            meaning="expected when the lead is lost",
        ),
        Column("amount", Kind.DECIMAL, meaning="deal value, when won, as recorded in the CRM"),
        Column("currency", Kind.CURRENCY, default="RUB", meaning="default RUB"),
        Column("updated_at", Kind.TIMESTAMP, required=True),
    ),
)

CRM_STATUS_EVENTS = Source(
    name="crm_status_events",
    title="CRM status changes",
    key=("event_id",),
    key_rule="A row whose `event_id` was loaded before replaces it: the later file name wins, "
    "then the later line.",
    columns=(
        Column("event_id", Kind.TEXT, required=True),
        Column("lead_id", Kind.TEXT, required=True),
        Column("changed_at", Kind.TIMESTAMP, required=True),
        Column("status", Kind.CODE, required=True, seed="crm_statuses"),
        Column("changed_by", Kind.TEXT, meaning="manager id"),
    ),
)

AD_COSTS = Source(
    name="ad_costs",
    title="Ad platform spend",
    key=("date", "channel", "campaign", "headline"),
    replace_by=("date", "channel"),
    key_rule="Rows are distinct by `date, channel, campaign, headline` (empty parts count as "
    "`''`). A later file replaces every row of each `date, channel` it contains, so a "
    "re-exported day is never counted twice; within the winning file a repeated row's later "
    "line wins.",
    columns=(
        Column("date", Kind.DATE, required=True),
        Column("channel", Kind.CODE, required=True, seed="channels"),
        Column("campaign", Kind.TEXT),
        Column("headline", Kind.TEXT, meaning="the ad's headline on that day"),
        Column("impressions", Kind.INTEGER, meaning="online ads report impressions"),
        Column("reach", Kind.INTEGER, meaning="outdoor ads report reach"),
        Column("clicks", Kind.INTEGER),
        Column("cost", Kind.DECIMAL, required=True),
        Column("currency", Kind.CURRENCY, default="RUB", meaning="default RUB"),
        Column("vat_included", Kind.BOOLEAN, default="false", meaning="default false"),
    ),
)

SOURCES: tuple[Source, ...] = (CALLS, TRACKING_NUMBERS, CRM_LEADS, CRM_STATUS_EVENTS, AD_COSTS)
SOURCES_BY_NAME: dict[str, Source] = {s.name: s for s in SOURCES}

# Rejection reasons written to the quarantine (stable codes; docs list them).
REASON_NOT_UTF8 = "file_not_utf8"
REJECT_REASONS: dict[str, str] = {
    "missing_required": "a required value is empty",
    "bad_timestamp": "a timestamp is not ISO-8601",
    "bad_date": "a date is not YYYY-MM-DD",
    "bad_phone": "a phone number is not a possible number",
    "bad_integer": "a whole number ≥ 0 was expected",
    "bad_decimal": "a decimal ≥ 0 was expected",
    "bad_boolean": "a boolean (true/false/1/0) was expected",
    "bad_choice": "the value is not one the contract allows",
    "bad_currency": "the currency is not a three-letter ISO 4217 code",
    "bad_row_shape": "the row has a different number of fields than the header",
}
