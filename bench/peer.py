"""Bench child process: the pandas peer, channel_weekly's call figures from the landing CSVs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
import phonenumbers

from orchestration.settings import PROJECT_ROOT

TZ = "Europe/Moscow"
REGION = "RU"
FIRST_TIME_WINDOW = pd.Timedelta(days=180)  # dbt var first_time_caller_window_days
HIDDEN = {"", "anonymous"}
CALL_COLUMNS = ["calls", "answered_calls", "missed_calls", "first_time_callers"]
COST_COLUMNS = ["impressions", "reach", "clicks"]
COLUMNS = [*CALL_COLUMNS, *COST_COLUMNS]


def read_folder(folder: Path) -> pd.DataFrame:
    """Every CSV of a folder as text, with file name and line (header = line 1)."""
    parts = []
    for path in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["source_file"] = path.name
        frame["source_line"] = range(2, len(frame) + 2)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def e164(values: pd.Series) -> pd.Series:
    """E.164 of each value, parsing each distinct text once with phonenumbers (None if bad)."""
    out = {}
    for text in values.unique():
        t = text.strip()
        try:
            number = phonenumbers.parse(t, REGION) if t else None
        except phonenumbers.NumberParseException:
            number = None
        ok = number is not None and phonenumbers.is_possible_number(number)
        out[text] = (
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if ok else None
        )
    return values.map(out)


def timestamps(values: pd.Series) -> pd.Series:
    """UTC instants of ISO texts; a text without offset is Moscow wall-clock time (NaT if bad)."""
    has_zone = values.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    zoned = pd.to_datetime(values.where(has_zone), errors="coerce", utc=True, format="ISO8601")
    naive = pd.to_datetime(values.where(~has_zone), errors="coerce", format="ISO8601")
    naive = naive.dt.tz_localize(TZ, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    return zoned.where(has_zone, naive)


def nonneg_int(values: pd.Series) -> pd.Series:
    """True where the text is empty or a non-negative integer."""
    return values.str.strip().str.fullmatch(r"\d*")


def channel_weekly_calls(landing: Path) -> pd.DataFrame:
    """Calls, answered, missed and first-time callers per business week and channel."""
    calls = read_folder(landing / "calls")
    calls["direction"] = calls["direction"].str.strip().str.lower()
    calls["status"] = calls["status"].str.strip().str.lower()
    calls["t"] = timestamps(calls["started_at"].str.strip())
    calls["caller"] = e164(calls["caller_number"])
    calls["tracking"] = e164(calls["tracking_number"])
    hidden = calls["caller_number"].str.strip().str.lower().isin(HIDDEN)
    ok = (
        calls["call_id"].str.strip().ne("")
        & calls["t"].notna()
        & calls["direction"].isin(["inbound", "outbound"])
        & calls["status"].isin(["answered", "missed", "voicemail", "busy"])
        & nonneg_int(calls["wait_seconds"])
        & nonneg_int(calls["talk_seconds"])
        & (hidden | calls["caller"].notna())
        & (
            calls["tracking"].notna()
            | (calls["tracking_number"].str.strip().eq("") & calls["direction"].eq("outbound"))
        )
    )
    calls = calls[ok].copy()
    calls.loc[hidden[ok], "caller"] = None
    # The later file (then the later line) wins for a call exported twice.
    calls = calls.sort_values(["source_file", "source_line"])
    calls = calls.drop_duplicates("call_id", keep="last")
    local = calls["t"].dt.tz_convert(TZ)
    calls["call_date"] = local.dt.tz_localize(None).dt.normalize()
    calls["week_start"] = calls["call_date"] - pd.to_timedelta(local.dt.day_of_week, unit="D")

    registry = read_folder(landing / "tracking_numbers")
    registry["tracking"] = e164(registry["tracking_number"])
    registry = registry.sort_values(["source_file", "source_line"]).drop_duplicates(
        ["tracking", "valid_from"], keep="last"
    )
    registry["valid_from"] = pd.to_datetime(registry["valid_from"])
    registry["valid_to"] = pd.to_datetime(registry["valid_to"].replace("", None))
    seeds = PROJECT_ROOT / "seeds"
    known = set(pd.read_csv(seeds / "channels.csv", dtype=str)["channel"])
    utm = pd.read_csv(seeds / "utm_sources.csv", dtype=str)
    utm_channel = dict(zip(utm["utm_source"], utm["channel"], strict=True))

    inbound = calls[calls["direction"] == "inbound"][["call_id", "tracking", "call_date"]]
    match = inbound.merge(
        registry[["tracking", "valid_from", "valid_to", "channel", "number_type"]], on="tracking"
    )
    match = match[
        (match["call_date"] >= match["valid_from"])
        & (match["valid_to"].isna() | (match["call_date"] <= match["valid_to"]))
    ]
    match = match.drop_duplicates("call_id")
    calls = calls.merge(
        match[["call_id", "channel", "number_type"]].rename(columns={"channel": "reg_channel"}),
        on="call_id",
        how="left",
    )
    from_utm = (
        calls["utm_source"].str.lower().map(utm_channel).where(calls["number_type"].eq("dynamic"))
    )
    channel = calls["reg_channel"].where(calls["reg_channel"].isin(known), "unattributed")
    channel = from_utm.fillna(channel)
    channel = channel.where(calls["reg_channel"].notna(), "unattributed")
    calls["channel"] = channel.where(calls["direction"].eq("inbound"), "outbound")

    ident = calls[calls["direction"].eq("inbound") & calls["caller"].notna()]
    ident = ident.sort_values(["caller", "t", "call_id"])
    previous = ident.groupby("caller")["t"].shift()
    first = previous.isna() | (previous < ident["t"] - FIRST_TIME_WINDOW)
    calls["first_time"] = False
    calls.loc[ident.index, "first_time"] = first

    calls["answered"] = calls["status"].eq("answered")
    weekly = calls.groupby(["week_start", "channel"]).agg(
        calls=("call_id", "size"),
        answered_calls=("answered", "sum"),
        first_time_callers=("first_time", "sum"),
    )
    weekly["missed_calls"] = weekly["calls"] - weekly["answered_calls"]
    weekly = weekly.reset_index().merge(
        cost_weekly(landing, known), on=["week_start", "channel"], how="outer"
    )
    weekly[COLUMNS] = weekly[COLUMNS].fillna(0).astype("int64")
    weekly["week_start"] = weekly["week_start"].dt.date.astype(str)
    return weekly[["week_start", "channel", *COLUMNS]]


def cost_weekly(landing: Path, known: set[str]) -> pd.DataFrame:
    """Impressions, reach and clicks per week and channel from the ad cost exports.

    A day and channel comes from the latest file that has it; within it the last line of each
    campaign and headline wins.
    """
    costs = read_folder(landing / "ad_costs")
    costs["channel"] = costs["channel"].str.strip().str.lower()
    costs["day"] = pd.to_datetime(costs["date"].str.strip(), errors="coerce", format="ISO8601")
    ints = {c: pd.to_numeric(costs[c].str.strip(), errors="coerce") for c in COST_COLUMNS}
    ok = costs["day"].notna() & pd.to_numeric(costs["cost"], errors="coerce").notna()
    for c, values in ints.items():
        ok &= costs[c].str.strip().eq("") | (values.notna() & (values >= 0))
        costs[c] = values.fillna(0)
    costs = costs[ok & costs["channel"].isin(known)]
    latest = costs.groupby(["day", "channel"])["source_file"].transform("max")
    costs = costs[costs["source_file"] == latest].sort_values("source_line")
    costs = costs.drop_duplicates(["day", "channel", "campaign", "headline"], keep="last")
    costs["week_start"] = costs["day"] - pd.to_timedelta(costs["day"].dt.day_of_week, unit="D")
    return costs.groupby(["week_start", "channel"])[COST_COLUMNS].sum().reset_index()


def main(landing: Path, out: Path) -> int:
    """Compute the peer's figures and write them as CSV."""
    started = time.perf_counter()
    weekly = channel_weekly_calls(landing)
    weekly.to_csv(out, index=False)
    print(f"{time.perf_counter() - started:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
