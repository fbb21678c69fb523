"""The Friday report: week selection, loader, rules, charts, HTML/Markdown, e-mail, asset."""

from orchestration.reports.assets import report_assets, report_jobs, report_sensors

__all__ = ["report_assets", "report_jobs", "report_sensors"]
