"""Data quality: manager discipline and source agreement checks, and the results they record."""

from orchestration.quality.dagster_checks import quality_asset_checks
from orchestration.quality.results import data_quality_results

quality_checks = quality_asset_checks
quality_assets = [data_quality_results]

__all__ = ["quality_assets", "quality_checks"]
