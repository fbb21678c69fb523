"""Assembles callfunnel's Dagster definitions: ingestion, dbt, resources, the weekly job."""

from __future__ import annotations

import os

from dagster import AssetSelection, Definitions, ScheduleDefinition, define_asset_job

from orchestration.ingest.assets import ingest_assets, ingest_checks
from orchestration.publish import publish_assets
from orchestration.quality import quality_assets, quality_checks
from orchestration.reports import report_assets, report_jobs, report_sensors
from orchestration.resources import CallfunnelSettings
from orchestration.settings import Settings
from orchestration.transform import DBT_PROJECT, CallfunnelDbtCli, callfunnel_dbt_assets

SETTINGS = Settings.from_env()

everything_job = define_asset_job(
    name="materialize_everything",
    selection=AssetSelection.all(),
    description=(
        "Ingest, build and test every dbt model, run the data-quality checks, publish the "
        "marts and write the weekly report."
    ),
)

weekly_schedule = ScheduleDefinition(
    name="friday_morning",
    job=everything_job,
    cron_schedule="0 7 * * 5",
    execution_timezone=SETTINGS.timezone,
    description="Every Friday at 07:00 business time: materialise the week.",
)

defs = Definitions(
    assets=[
        *ingest_assets,
        callfunnel_dbt_assets,
        *quality_assets,
        *publish_assets,
        *report_assets,
    ],
    asset_checks=[*ingest_checks, *quality_checks],
    jobs=[everything_job, *report_jobs],
    schedules=[weekly_schedule],
    sensors=[*report_sensors],
    resources={
        "settings": CallfunnelSettings.from_settings(
            SETTINGS, pin_as_of=bool(os.environ.get("CALLFUNNEL_AS_OF"))
        ),
        "dbt": CallfunnelDbtCli(project_dir=DBT_PROJECT),
    },
)
