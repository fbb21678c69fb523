"""Great Expectations 1.x on pandas frames: one ephemeral context, whole-dataframe batches."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

# GX would otherwise try to send usage statistics; the project runs without network.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@dataclass(frozen=True)
class ExpectationResult:
    """What a check needs from a GX validation result."""

    expectation: str
    success: bool
    element_count: int
    unexpected_count: int
    observed_value: Any = None


@lru_cache(maxsize=1)
def _batch_definition() -> Any:
    """An ephemeral context with one pandas datasource and a whole-dataframe batch definition."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("callfunnel_quality")
    asset = source.add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def gx_expectations() -> Any:
    """The `great_expectations.expectations` module (imported lazily: GX is slow to import)."""
    import great_expectations as gx

    return gx.expectations


def validate(frame: pd.DataFrame, expectation: Any, columns: list[str]) -> ExpectationResult:
    """Validate one expectation against every row of the frame's `columns`.

    GX sees only the columns the expectation reads: its cost grows with the frame's width.
    """
    narrow = frame[columns]
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": narrow})
    result = batch.validate(expectation, result_format="SUMMARY")
    details = result.result or {}
    return ExpectationResult(
        expectation=type(expectation).__name__,
        success=bool(result.success),
        element_count=int(details.get("element_count") or len(narrow)),
        unexpected_count=int(details.get("unexpected_count") or 0),
        observed_value=details.get("observed_value"),
    )


def expect_not_null(frame: pd.DataFrame, column: str) -> ExpectationResult:
    return validate(frame, gx_expectations().ExpectColumnValuesToNotBeNull(column=column), [column])


def expect_in_set(frame: pd.DataFrame, column: str, values: list[Any]) -> ExpectationResult:
    """Non-null values of `column` are in `values` (nulls are left to a not-null expectation)."""
    return validate(
        frame,
        gx_expectations().ExpectColumnValuesToBeInSet(column=column, value_set=values),
        [column],
    )


def expect_not_in_set(frame: pd.DataFrame, column: str, values: list[Any]) -> ExpectationResult:
    return validate(
        frame,
        gx_expectations().ExpectColumnValuesToNotBeInSet(column=column, value_set=values),
        [column],
    )


def expect_between(
    frame: pd.DataFrame, column: str, low: float | None, high: float | None
) -> ExpectationResult:
    return validate(
        frame,
        gx_expectations().ExpectColumnValuesToBeBetween(
            column=column, min_value=low, max_value=high
        ),
        [column],
    )


def expect_mean_at_least(frame: pd.DataFrame, column: str, low: float) -> ExpectationResult:
    return validate(
        frame,
        gx_expectations().ExpectColumnMeanToBeBetween(column=column, min_value=low),
        [column],
    )


def expect_a_not_before_b(frame: pd.DataFrame, column_a: str, column_b: str) -> ExpectationResult:
    """column_a ≥ column_b wherever both are present."""
    return validate(
        frame,
        gx_expectations().ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=column_a,
            column_B=column_b,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        [column_a, column_b],
    )
