"""Run-wide settings read from the environment, with defaults under the project's data/ folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# DuckDB's memory limit for every connection the product opens (dbt's profile reads the same
# variable): DuckDB's own default, 80% of RAM, lets one query take the memory the rest of the run
# needs. 2.5GB keeps a ten-million-call run under 4 GB in total.
DEFAULT_DUCKDB_MEMORY_LIMIT = "2.5GB"

# Not a secret: it only lets the demo run without set-up. The run summary warns while it is used.
DEMO_HASH_SECRET = "callfunnel-demo-secret-not-for-production"


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser().resolve() if value else default.resolve()


def duckdb_memory_limit() -> str:
    """The DuckDB memory limit of this deployment (`CALLFUNNEL_DUCKDB_MEMORY_LIMIT`)."""
    value = os.environ.get("CALLFUNNEL_DUCKDB_MEMORY_LIMIT", "").strip()
    return value or DEFAULT_DUCKDB_MEMORY_LIMIT


def _positive_whole(env: str) -> int | None:
    value = os.environ.get(env, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{env}={value!r} is not a positive whole number")
    return int(value)


def ingest_threads() -> int:
    """Landing files of one source read at once (`CALLFUNNEL_INGEST_THREADS`; default: cores)."""
    chosen = _positive_whole("CALLFUNNEL_INGEST_THREADS")
    return chosen if chosen is not None else max(1, os.cpu_count() or 1)


# Below this much raw Parquet, dbt builds models on every core at once: each model is small, and
# the run's cost is the number of nodes. Above it one model at a time: at ten million calls two
# heavy models share DuckDB's memory limit and spill more than they gain (docs/benchmarks.md).
SMALL_RAW_ZONE_BYTES = 32 * 2**20


def dbt_threads(raw_dir: Path) -> int:
    """dbt models built at once (`CALLFUNNEL_DBT_THREADS`; default: the cores while the raw zone
    holds less than SMALL_RAW_ZONE_BYTES of Parquet, else 1)."""
    chosen = _positive_whole("CALLFUNNEL_DBT_THREADS")
    if chosen is not None:
        return chosen
    raw_bytes = 0
    for path in raw_dir.rglob("*.parquet") if raw_dir.is_dir() else ():
        raw_bytes += path.stat().st_size
        if raw_bytes >= SMALL_RAW_ZONE_BYTES:
            return 1
    return max(1, os.cpu_count() or 1)


def parse_as_of(value: str | None, tz: ZoneInfo) -> datetime:
    """Parse CALLFUNNEL_AS_OF (ISO date or timestamp; no offset = business time) to aware UTC."""
    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(
            f"CALLFUNNEL_AS_OF={value!r} is not an ISO-8601 date or timestamp "
            "(for example 2026-11-27 or 2026-11-27T09:00:00+03:00)"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Settings:
    """Where data lives, which time zone the business runs in, and which moment counts as now."""

    data_dir: Path
    landing_dir: Path
    raw_dir: Path
    quarantine_dir: Path
    warehouse: Path
    dagster_home: Path
    timezone: str
    as_of: datetime
    default_region: str
    hash_secret: str

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("CALLFUNNEL_DATA_DIR", PROJECT_ROOT / "data")
        landing = _path("CALLFUNNEL_LANDING_DIR", data_dir / "landing")
        tz_name = os.environ.get("CALLFUNNEL_TIMEZONE", "Europe/Moscow")
        try:
            tz = ZoneInfo(tz_name)
        except Exception as exc:  # ZoneInfoNotFoundError or a malformed key
            raise ValueError(f"CALLFUNNEL_TIMEZONE={tz_name!r} is not an IANA time zone") from exc
        return cls(
            data_dir=data_dir,
            landing_dir=landing,
            raw_dir=_path("CALLFUNNEL_RAW_DIR", landing.parent / "raw"),
            quarantine_dir=_path("CALLFUNNEL_QUARANTINE_DIR", landing.parent / "quarantine"),
            warehouse=_path("CALLFUNNEL_WAREHOUSE", data_dir / "warehouse.duckdb"),
            dagster_home=_path("DAGSTER_HOME", data_dir / "dagster_home"),
            timezone=tz_name,
            as_of=parse_as_of(os.environ.get("CALLFUNNEL_AS_OF"), tz),
            default_region=os.environ.get("CALLFUNNEL_DEFAULT_REGION", "RU").upper(),
            hash_secret=os.environ.get("CALLFUNNEL_HASH_SECRET") or DEMO_HASH_SECRET,
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def uses_demo_secret(self) -> bool:
        return self.hash_secret == DEMO_HASH_SECRET

    def last_complete_week(self) -> tuple[date, date]:
        """Monday and Sunday of the last complete business-time week before `as_of`."""
        local = self.as_of.astimezone(self.tz)
        this_monday = local.date() - timedelta(days=local.weekday())
        monday = this_monday - timedelta(days=7)
        return monday, monday + timedelta(days=6)

    def dbt_vars(self) -> dict[str, str]:
        """The values dbt needs from the Python side, so the two layers never disagree.

        Only what stays put between runs of one deployment: dbt's partial parsing reuses the
        parsed project while the vars are the same. The run's moment goes through `dbt_env`.
        """
        return {
            "raw_dir": self.raw_dir.as_posix(),
            "quarantine_dir": self.quarantine_dir.as_posix(),
            "business_timezone": self.timezone,
        }

    def dbt_env(self) -> dict[str, str]:
        """Environment of a dbt invocation: where things are, and the run's moment in UTC."""
        return {
            "CALLFUNNEL_WAREHOUSE": self.warehouse.as_posix(),
            "CALLFUNNEL_RAW_DIR": self.raw_dir.as_posix(),
            "CALLFUNNEL_QUARANTINE_DIR": self.quarantine_dir.as_posix(),
            "CALLFUNNEL_AS_OF_UTC": self.as_of.strftime("%Y-%m-%d %H:%M:%S"),
            "CALLFUNNEL_DBT_THREADS": str(dbt_threads(self.raw_dir)),
            "DBT_PROFILES_DIR": DBT_PROJECT_DIR.as_posix(),
        }
