"""A small generated utility and one forecaster trained on it, shared by the consumption tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import torch

from datagen import generate
from ml.consumption.train import ConsumptionTrainConfig, train

# Other developers' suites share the machine's two cores.
torch.set_num_threads(1)

CUSTOMERS, DAYS, SEED, END = 300, 75, 5, dt.date(2026, 10, 31)
SMALL = ConsumptionTrainConfig.small(seed=7)
# One epoch at a learning rate that barely moves the weights: the model the promotion rule must refuse.
UNTRAINED = ConsumptionTrainConfig.small(seed=7, epochs=1, learning_rate=1e-6)


def read_landing(landing: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(readings, customers, temperature) straight from the generator's files.

    The generator plants defects (malformed rows, bad values) that the ingestion quarantines; here rows whose
    values do not parse are simply dropped, which is what the quarantine does to them before the marts.
    """
    con = duckdb.connect()
    options = "all_varchar=true, header=true, ignore_errors=true, null_padding=true, union_by_name=true"
    readings = con.execute(
        f"""select customer_id, try_cast(reading_date as date) as reading_date,
                   try_cast(kwh_total as double) as kwh_total
            from read_csv('{landing}/meter_readings/*.csv', {options})
            where try_cast(kwh_total as double) >= 0 and try_cast(reading_date as date) is not null
            qualify row_number() over (partition by customer_id, reading_date order by kwh_total) = 1"""
    ).df()
    customers = pd.read_csv(
        landing / "customers.csv", encoding="gb18030", usecols=["customer_id", "category", "tariff"]
    )
    temperature = con.execute(
        f"""select cast(try_cast(ts as timestamp) as date) as reading_date,
                   avg(try_cast(ambient_temp_c as double)) as ambient_temp_c
            from read_csv('{landing}/transformer_telemetry/*.csv', {options})
            where isfinite(try_cast(ambient_temp_c as double))
            group by 1 having reading_date is not null"""
    ).df()
    return readings, customers, temperature


@pytest.fixture(scope="session")
def utility(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(readings, customers, temperature) of 300 generated customers over 75 days."""
    landing = tmp_path_factory.mktemp("consumption_landing")
    generate(landing, CUSTOMERS, DAYS, SEED, END, progress=lambda *_: None)
    return read_landing(landing)


@pytest.fixture(scope="session")
def small_run(utility) -> tuple[dict, dict]:
    """(metrics, objects) of the small preset on the generated utility."""
    return train(SMALL, *utility)


@pytest.fixture(scope="session")
def untrained_run(utility) -> tuple[dict, dict]:
    """(metrics, objects) of a barely trained network on the same data."""
    return train(UNTRAINED, *utility)
