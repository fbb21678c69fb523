"""The Dagster resource that carries run-wide settings (paths, time zone, "now") to every asset."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import ConfigurableResource

from orchestration.settings import DEMO_HASH_SECRET, Settings, parse_as_of


class CallfunnelSettings(ConfigurableResource):
    """Paths, business time zone and the run's `as_of`; built from the environment by default."""

    landing_dir: str
    raw_dir: str
    quarantine_dir: str
    warehouse: str
    timezone: str = "Europe/Moscow"
    as_of: str = ""
    default_region: str = "RU"
    hash_secret: str = DEMO_HASH_SECRET

    @classmethod
    def from_settings(cls, settings: Settings, *, pin_as_of: bool = True) -> CallfunnelSettings:
        """Carry `settings`; with `pin_as_of=False` each run takes "now" when it starts."""
        return cls(
            landing_dir=settings.landing_dir.as_posix(),
            raw_dir=settings.raw_dir.as_posix(),
            quarantine_dir=settings.quarantine_dir.as_posix(),
            warehouse=settings.warehouse.as_posix(),
            timezone=settings.timezone,
            as_of=settings.as_of.isoformat() if pin_as_of else "",
            default_region=settings.default_region,
            hash_secret=settings.hash_secret,
        )

    def settings(self) -> Settings:
        """The plain settings object the ingestion and reporting code takes."""
        base = Settings.from_env()
        landing = Path(self.landing_dir)
        return Settings(
            data_dir=base.data_dir,
            landing_dir=landing,
            raw_dir=Path(self.raw_dir),
            quarantine_dir=Path(self.quarantine_dir),
            warehouse=Path(self.warehouse),
            dagster_home=base.dagster_home,
            timezone=self.timezone,
            as_of=parse_as_of(self.as_of or None, ZoneInfo(self.timezone)),
            default_region=self.default_region,
            hash_secret=self.hash_secret,
        )
