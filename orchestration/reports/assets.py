"""The Friday report as a Dagster asset, its job, and a sensor that reports a run that failed."""

# No `from __future__ import annotations`: Dagster inspects the asset's annotations at runtime.
from datetime import UTC, datetime

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    Config,
    DefaultSensorStatus,
    MaterializeResult,
    MetadataValue,
    RunFailureSensorContext,
    RunRequest,
    SkipReason,
    asset,
    define_asset_job,
    run_failure_sensor,
)
from pydantic import Field

from orchestration.publish import PUBLISHED_FILE, publish_dir_for
from orchestration.reports.build import build_report
from orchestration.reports.config import ReportThresholds, report_language, reports_dir_for
from orchestration.reports.delivery import SmtpSettings, build_message, send_report
from orchestration.reports.publication import Publication, judge_publication
from orchestration.reports.weeks import select_week
from orchestration.resources import CallfunnelSettings

GROUP = "report"
REPORT_KEY = "weekly_report"
PUBLISH_KEY = AssetKey("published_marts")
REPORT_JOB = "friday_report"


class WeeklyReportConfig(Config):
    """Run configuration of the report; every field is optional."""

    week: str = Field(
        default="",
        description="ISO week (2026-W47) or a date inside it; empty = the last complete week "
        "before CALLFUNNEL_AS_OF. Makes up a missed Friday.",
    )
    language: str = Field(
        default="", description="ru or en; empty = CALLFUNNEL_REPORT_LANGUAGE, else ru."
    )
    send_email: bool = Field(
        default=True, description="Send by e-mail when CALLFUNNEL_SMTP_HOST and _REPORT_TO are set."
    )
    thresholds: dict[str, float] = Field(
        default_factory=dict,
        description="Rule thresholds to override (names as in ReportThresholds / docs/report.md).",
    )


def publication_for(context: AssetExecutionContext, settings: CallfunnelSettings) -> Publication:
    """The published file, judged by the Dagster records of `published_marts`."""
    path = publish_dir_for(settings.settings()) / PUBLISHED_FILE
    instance = context.instance
    event = instance.get_latest_materialization_event(PUBLISH_KEY)
    planned = instance.get_latest_planned_materialization_info(PUBLISH_KEY)
    return judge_publication(
        path,
        published_run_id=event.run_id if event else None,
        published_at=None if event is None else datetime.fromtimestamp(event.timestamp, UTC),
        last_attempt_run_id=planned.run_id if planned else None,
    )


@asset(
    name=REPORT_KEY,
    group_name=GROUP,
    deps=[PUBLISH_KEY],
    kinds={"html", "markdown"},
    description=(
        "The Friday report for the sales team: one week's calls, conversion, money, refusal "
        "reasons, data quality and a suggested plan, as self-contained HTML and Markdown with PNG "
        "charts. Reads only the published marts (and check results)."
    ),
)
def weekly_report(
    context: AssetExecutionContext, config: WeeklyReportConfig, settings: CallfunnelSettings
) -> MaterializeResult:
    """Render the week's report; say loudly when this run did not publish."""
    run_settings = settings.settings()
    week = select_week(run_settings, config.week or None)
    lang = report_language(config.language or None)
    thresholds = ReportThresholds.from_env().with_overrides(dict(config.thresholds))
    publication = publication_for(context, settings)
    if not publication.exists:
        context.log.error(f"no published marts at {publication.path}: the report says so")
    elif publication.stale:
        context.log.error(
            f"run {publication.failed_run_id} did not publish; the report marks the snapshot of "
            f"run {publication.published_run_id} as not new"
        )
    out_dir = reports_dir_for(run_settings)
    built = build_report(publication, week, out_dir, lang=lang, thresholds=thresholds)
    context.log.info(f"report for {week.name} ({lang}) written to {built.files.html}")
    for advice in built.view.advice:
        context.log.info(f"suggestion [{advice.rule}]: {advice.action}")
    for caveat in built.view.caveats + built.view.notice_lines:
        context.log.info(f"not enough data: {caveat}")
    delivered = False
    smtp = SmtpSettings.from_env()
    if smtp and config.send_email:
        subject = f"{built.view.title} — {week.name}"
        if built.view.banner_title:
            subject = f"[{built.view.banner_title}] {subject}"
        message = build_message(
            smtp, subject, built.files.markdown, built.files.html, built.files.charts
        )
        send_report(smtp, message)
        delivered = True
        context.log.info(f"report e-mailed to {', '.join(smtp.recipients)} via {smtp.host}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(built.files.html.as_posix()),
            "markdown": MetadataValue.path(built.files.markdown.as_posix()),
            "week": MetadataValue.text(week.name),
            "language": MetadataValue.text(lang),
            "published": MetadataValue.bool(publication.exists and publication.fresh),
            "suggestions": MetadataValue.int(len(built.outcome.suggestions)),
            "sample_too_small": MetadataValue.bool(built.outcome.silenced),
            "emailed": MetadataValue.bool(delivered),
        }
    )


friday_report_job = define_asset_job(
    name=REPORT_JOB,
    selection=AssetSelection.assets(REPORT_KEY),
    description="Render the weekly report alone (a missed Friday: set the `week` config).",
)


@run_failure_sensor(
    name="report_after_failed_run",
    request_job=friday_report_job,
    default_status=DefaultSensorStatus.RUNNING,
    description="When a run fails before publishing, render the report anyway: it says loudly "
    "that the marts were not published this time.",
)
def report_after_failed_run(context: RunFailureSensorContext) -> RunRequest | SkipReason:
    """Request the report job after any failed run except the report's own."""
    run = context.dagster_run
    if run.job_name == REPORT_JOB:
        return SkipReason("the report job itself failed; not retrying it")
    return RunRequest(run_key=f"after-failure-{run.run_id}", tags={"failed_run": run.run_id})


report_assets = [weekly_report]
report_jobs = [friday_report_job]
report_sensors = [report_after_failed_run]
