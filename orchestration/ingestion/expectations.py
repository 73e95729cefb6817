"""Great Expectations suites for the raw tables, derived from the landing contract (GX 1.x API).

The load itself already quarantines every row that breaks a rule, so a failing suite here means the
loader let something through: it is the second line of defence, and its result is an asset check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from orchestration.ingestion.contract import Dataset


@dataclass
class SuiteResult:
    """Outcome of one suite over a batch of loaded rows."""

    success: bool
    evaluated: int
    failed: list[str]
    rows: int


def build_suite(dataset: Dataset):
    """The expectation suite for a dataset's raw table: non-null, domains, ranges and key uniqueness."""
    import great_expectations as gx

    e = gx.expectations
    suite = gx.ExpectationSuite(name=f"{dataset.table}_suite")
    suite.add_expectation(e.ExpectTableColumnsToMatchSet(column_set=list(dataset.column_names), exact_match=False))
    for col in dataset.columns:
        if not col.nullable:
            suite.add_expectation(e.ExpectColumnValuesToNotBeNull(column=col.name))
        if col.domain:
            suite.add_expectation(e.ExpectColumnValuesToBeInSet(column=col.name, value_set=list(col.domain)))
        if col.type in ("decimal", "integer") and (col.min_value is not None or col.max_value is not None):
            suite.add_expectation(
                e.ExpectColumnValuesToBeBetween(
                    column=col.name,
                    min_value=col.min_value,
                    max_value=col.max_value,
                    strict_min=col.exclusive_min,
                )
            )
    # A ticket may come again on a later day with its new state, so its key is unique per delivery.
    key = list(dataset.key) + (["_delivery_date"] if dataset.name == "service_tickets" else [])
    if len(key) == 1:
        suite.add_expectation(e.ExpectColumnValuesToBeUnique(column=key[0]))
    else:
        suite.add_expectation(e.ExpectCompoundColumnsToBeUnique(column_list=key))
    return suite


def validate(dataset: Dataset, frame: pd.DataFrame) -> SuiteResult:
    """Run the dataset's suite on a DataFrame of raw rows in an ephemeral GX context."""
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # Progress bars would flood the Dagster run log with one line per metric.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas(name="raw")
    asset = source.add_dataframe_asset(name=dataset.table)
    batch = asset.add_batch_definition_whole_dataframe("loaded").get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(build_suite(dataset))
    failed = [
        f"{r.expectation_config.type}({r.expectation_config.kwargs.get('column') or r.expectation_config.kwargs.get('column_list') or ''})"
        for r in result.results
        if not r.success
    ]
    return SuiteResult(bool(result.success), len(result.results), failed, len(frame))
