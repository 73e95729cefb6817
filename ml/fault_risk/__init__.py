"""Transformer fault risk (变压器故障风险): Prophet per transformer on daily oil temperature, load and weather.

Modules, each importing only those above it (tests/ml/fault_risk/test_imports.py walks them for cycles):
`config` (`FaultRiskConfig`), `features` (hourly telemetry → days), `model` (one unit's Prophet baseline and
evidence), `pool` (fits over `spawn` workers), `score` (`score`, `score_days`), `evaluate` (alerts judged
against faults, F1), `backtest`, `plot` (the backtest figure), `predict` (the MLflow pyfunc `FaultRiskModel`),
`train` (`train(config, telemetry, faults)`), `registry` (registered as `transformer_fault_risk`), and
`simulate` (a small fleet for tests, notebooks and bench/ml_fault_risk.py). Nothing is imported here, so pool
workers and light callers do not pay for Prophet, matplotlib or MLflow.
"""
