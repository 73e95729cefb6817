"""The simulated fleet and one training run on it, shared by the fault-risk tests (Prophet fits are the cost)."""

from __future__ import annotations

import pytest

from ml.fault_risk.config import FaultRiskConfig
from ml.fault_risk.simulate import FleetScenario, simulate
from ml.fault_risk.train import train

SCENARIO = FleetScenario()
CONFIG = FaultRiskConfig()


@pytest.fixture(scope="session")
def fleet():
    """(telemetry, faults) of the default scenario: 12 units × 120 days, 2 degrading, 1 hot, 1 lightning fault."""
    return simulate(SCENARIO)


@pytest.fixture(scope="session")
def trained(fleet):
    """`train` on the fleet with the default config (backtest every day, 2 worker processes)."""
    telemetry, faults = fleet
    return train(CONFIG, telemetry, faults)
