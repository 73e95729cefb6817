"""Transformer fault risk: Prophet per transformer on daily oil temperature, load and weather.

Entry points live in `ml.forecast.train` (`FaultRiskConfig`, `score`, `backtest`, `train`); `ml.forecast.pyfunc`
holds the MLflow model `FaultRiskModel`, `ml.forecast.evaluate` the alert judging, `ml.forecast.simulate` a
small fleet for tests and notebooks, `ml.forecast.bench` the fits-per-second measurement. Nothing is imported
here, so pool workers and light callers do not pay for Prophet, matplotlib or MLflow.
"""
