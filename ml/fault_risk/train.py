"""Train the transformer fault-risk model: backtest it against recorded faults and return what MLflow logs.

Per transformer, Prophet expects the daily max oil temperature from the unit's own history, with the day's
max and mean ambient temperature and its peak load² as regressors (`ml.fault_risk.model`). A unit that runs
hotter than its load, the weather and the rest of the fleet explain, and increasingly so, gets a high
`risk_score` (`ml.fault_risk.score`); an `alert` means a fault is likely within the next week. The model has
no weights to fit ahead of scoring, so training is its backtest (`ml.fault_risk.backtest`): the metrics that
decide promotion (`f1` of the alerts, `ml.fault_risk.registry`) and the figure that shows one caught fault.

Run a backtest on the built-in simulated fleet with `python -m ml.fault_risk.train` (prints the metrics).
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from ml.fault_risk.backtest import backtest
from ml.fault_risk.config import FaultRiskConfig
from ml.fault_risk.evaluate import evaluate


def train(config: FaultRiskConfig, telemetry: pd.DataFrame, faults: pd.DataFrame) -> tuple[dict, dict]:
    """Backtest the fault-risk model and return what a training run logs, LHT style.

    Args:
        config: model settings (also the backtest's step, `backtest_step_days`).
        telemetry: hourly telemetry of the whole period.
        faults: recorded faults, the ground truth.

    Returns:
        metrics: `backtest`'s (precision, recall, f1, recall_all_faults, mean/min lead time, counts, fits/s).
        objects: `model` (the `FaultRiskModel` pyfunc to log as `transformer_fault_risk`), `config`,
        `backtest` (the per-day detail), `faults` (per-fault outcome, lead times) and `figure` (a matplotlib
        Figure: actual vs forecast oil temperature of one degrading transformer with its fault marked; None
        without one).
    """
    metrics, detail = backtest(config, telemetry, faults, config.backtest_step_days)
    _, per_fault = evaluate(detail, faults, config)
    # Imported here, not at the top: a `spawn` pool worker re-imports the main module, and
    # `python -m ml.fault_risk.train` must not make every worker import MLflow and matplotlib.
    from ml.fault_risk.plot import figure_of_backtest
    from ml.fault_risk.predict import FaultRiskModel

    figure = figure_of_backtest(config, telemetry, faults, detail, per_fault)
    objects = {
        "model": FaultRiskModel(config),
        "config": config,
        "backtest": detail,
        "faults": per_fault,
        "figure": figure,
    }
    return metrics, objects


def main(argv: list[str] | None = None) -> None:
    """Backtest on the simulated fleet of `ml.fault_risk.simulate` and print the metrics as JSON."""
    from ml.fault_risk.simulate import FleetScenario, simulate

    parser = argparse.ArgumentParser(prog="python -m ml.fault_risk.train", description=main.__doc__)
    parser.add_argument("--n-jobs", type=int, default=FaultRiskConfig.n_jobs)
    parser.add_argument("--seed", type=int, default=FleetScenario.seed, help="simulation seed")
    args = parser.parse_args(argv)
    telemetry, faults = simulate(FleetScenario(seed=args.seed))
    metrics, objects = train(FaultRiskConfig(n_jobs=args.n_jobs), telemetry, faults)
    print(json.dumps(metrics, indent=2, default=float))
    print(objects["faults"].to_string(index=False))


if __name__ == "__main__":
    main()
