"""The MLflow pyfunc wrapper returns exactly what `score` returns, also after a save and load."""

from __future__ import annotations

import datetime as dt

import mlflow.pyfunc
import pandas as pd
import pytest

from ml.fault_risk.predict import FaultRiskModel, model_signature
from ml.fault_risk.score import score

from .conftest import CONFIG

AS_OF = dt.date(2026, 8, 9)


@pytest.fixture(scope="module")
def expected(fleet):
    """`score` without faults (a pyfunc input cannot carry them) on AS_OF."""
    return score(CONFIG, fleet[0], AS_OF)


def test_predict_with_an_as_of_column_equals_score(fleet, expected):
    rows = fleet[0].assign(as_of=AS_OF.isoformat())
    pd.testing.assert_frame_equal(FaultRiskModel(CONFIG).predict(None, rows), expected)


# The lead's logging step owns the input example; here it would only add a second copy of the telemetry.
@pytest.mark.filterwarnings("ignore:.*An input example was not provided")
def test_saved_and_loaded_model_predicts_the_same_frame(fleet, expected, tmp_path):
    path = tmp_path / "transformer_fault_risk"
    # Explicit requirements: inferring them would import-scan the environment for tens of seconds.
    mlflow.pyfunc.save_model(
        path, python_model=FaultRiskModel(CONFIG), signature=model_signature(), pip_requirements=["prophet", "pandas"]
    )
    loaded = mlflow.pyfunc.load_model(str(path))
    pd.testing.assert_frame_equal(loaded.predict(fleet[0], params={"as_of": AS_OF.isoformat()}), expected)


def test_predict_needs_exactly_one_scoring_day(fleet):
    rows = fleet[0].head(48).assign(as_of=["2026-05-01"] * 24 + ["2026-05-02"] * 24)
    with pytest.raises(ValueError, match="one as_of day"):
        FaultRiskModel(CONFIG).predict(None, rows)
    with pytest.raises(ValueError, match="as_of"):
        FaultRiskModel(CONFIG).predict(None, fleet[0].head(24))
