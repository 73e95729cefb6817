"""Consumption forecasting (用电量预测): one global LSTM for every customer's next 30 days of kWh.

`ml.consumption.train` has `ConsumptionTrainConfig` and `train(config, readings, customers, temperature)`;
`ml.consumption.predict` the fitted `ConsumptionForecaster` and its MLflow pyfunc; `ml.consumption.registry`
registers it as `consumption_forecaster`; `ml.consumption.simulate` makes a utility's frames without the warehouse
and `bench.ml_consumption` times scoring on it. Nothing is imported here, so light callers do not pay for torch.
"""
