"""Forecasting with a trained network: the fitted forecaster, its on-disk form, and the MLflow pyfunc.

The pyfunc's input is long history, one row per customer and day: `customer_id`, `reading_date`,
`kwh_total`, `category`, `tariff`, optionally `ambient_temp_c` (the day's mean, the same on every row of a
day) and `as_of` (the last day of history; default the latest reading_date). Its output has one row per
customer and forecast day: `customer_id`, `forecast_date`, `kwh_pred`, `kwh_lo`, `kwh_hi` (the 80% interval).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pandas as pd
import torch

from ml.consumption.data import CATEGORIES, Panel, build_panel, make_windows
from ml.consumption.model import ConsumptionLSTM

MODEL_FILE, META_FILE = "model.pt", "meta.json"
ARTIFACT_KEY = "consumption_model"
OUTPUT_COLUMNS = ["customer_id", "forecast_date", "kwh_pred", "kwh_lo", "kwh_hi"]


class ConsumptionForecaster:
    """A trained ConsumptionLSTM with its window sizes: history in, 30 days of quantiles out."""

    def __init__(
        self,
        model: ConsumptionLSTM,
        input_days: int,
        horizon: int,
        interval_scales: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        """Wrap a trained network in eval mode (no dropout).

        `interval_scales` maps a customer category (or `all`, for any other) to the factors (lower, upper) by
        which the lower and upper halves of the 10%-90% band are stretched around the median: the conformal
        calibration of `ml.consumption.train`. Without it the band is the network's own.
        """
        self.model = model.eval()
        self.input_days = input_days
        self.horizon = horizon
        self.interval_scales = {key: tuple(pair) for key, pair in (interval_scales or {"all": (1.0, 1.0)}).items()}

    def row_scales(self, static: torch.Tensor | np.ndarray) -> np.ndarray:
        """The (lower, upper) interval factors of each window (n, 2), from the category one-hot at the head of
        `static`; a window of no known category takes the factors of `all`."""
        codes = np.asarray(static)[:, : len(CATEGORIES)]
        default = self.interval_scales.get("all", (1.0, 1.0))
        factors = np.array([self.interval_scales.get(code, default) for code in CATEGORIES])
        known = codes.sum(axis=1, keepdims=True) > 0
        return np.where(known, codes @ factors, np.array(default)[None, :]).astype(np.float32)

    def raw_quantiles(self, encoder, decoder, static) -> np.ndarray:
        """The network's quantiles of kWh / scale (n, horizon, 3), uncalibrated and unclipped."""
        return self.model(encoder, decoder, static).numpy()

    def scaled_quantiles(self, encoder, decoder, static) -> np.ndarray:
        """Quantiles of kWh / scale (n, horizon, 3), each half of the interval stretched around the median by
        the window's category factors (`row_scales`), clipped at zero (a meter never runs backwards)."""
        q = self.raw_quantiles(encoder, decoder, static)
        median = q[:, :, 1]
        factors = self.row_scales(static)
        lo = median - factors[:, None, 0] * (median - q[:, :, 0])
        hi = median + factors[:, None, 1] * (q[:, :, 2] - median)
        return np.maximum(np.stack([lo, median, hi], axis=-1), 0.0)

    def predict_panel(self, panel: Panel, anchor: int, batch_size: int = 4096) -> np.ndarray:
        """kWh quantiles (customers, horizon, 3) for the days after column `anchor` of `panel`."""
        rows = np.arange(len(panel.customer_ids))
        out = np.empty((len(rows), self.horizon, 3), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(rows), batch_size):
                chunk = rows[start : start + batch_size]
                t = make_windows(panel, chunk, np.full(len(chunk), anchor), self.input_days, self.horizon)
                scaled = self.scaled_quantiles(t["encoder"], t["decoder"], t["static"])
                out[chunk] = scaled * t["scale"].numpy()[:, None, None]
        return out

    def forecast(
        self, history: pd.DataFrame, customers: pd.DataFrame, temperature: pd.DataFrame | None, as_of: dt.date
    ) -> pd.DataFrame:
        """Long forecast for every customer of `customers` with a reading in the input window before `as_of`.

        Args:
            history: `customer_id`, `reading_date`, `kwh_total` (older days than the input window are ignored).
            customers: `customer_id`, `category`, `tariff`.
            temperature: `reading_date`, `ambient_temp_c`, or None.
            as_of: last day of history; the forecast covers the `horizon` days after it.
        """
        first = as_of - dt.timedelta(days=self.input_days - 1)
        panel = build_panel(history, customers, temperature, first_day=first, last_day=as_of)
        has_history = ~np.isnan(panel.kwh).all(axis=1)
        panel = Panel(
            panel.customer_ids[has_history],
            panel.days,
            panel.kwh[has_history],
            panel.static_codes[has_history],
            panel.temperature_c,
        )
        q = self.predict_panel(panel, len(panel.days) - 1)
        dates = [as_of + dt.timedelta(days=i) for i in range(1, self.horizon + 1)]
        n = len(panel.customer_ids)
        return pd.DataFrame(
            {
                "customer_id": np.repeat(panel.customer_ids, self.horizon),
                "forecast_date": np.tile(np.array(dates, dtype=object), n),
                "kwh_pred": q[:, :, 1].ravel().astype(np.float64),
                "kwh_lo": q[:, :, 0].ravel().astype(np.float64),
                "kwh_hi": q[:, :, 2].ravel().astype(np.float64),
            }
        )

    def save(self, directory: str | Path) -> Path:
        """Write weights and hyperparameters to `directory` (created if missing)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        torch.save(self.model.state_dict(), directory / MODEL_FILE)
        meta = {
            "hparams": dict(self.model.hparams),
            "input_days": self.input_days,
            "horizon": self.horizon,
            "interval_scales": self.interval_scales,
        }
        (directory / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> ConsumptionForecaster:
        """Read a forecaster written by `save`."""
        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        model = ConsumptionLSTM(**meta["hparams"])
        model.load_state_dict(torch.load(directory / MODEL_FILE, weights_only=True))
        # Models registered before the per-category calibration carry one symmetric factor.
        legacy = meta.get("interval_scale", 1.0)
        return cls(model, meta["input_days"], meta["horizon"], meta.get("interval_scales", {"all": (legacy, legacy)}))


def split_history(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, dt.date]:
    """(history, customers, temperature, as_of) from the pyfunc's long input frame."""
    if frame.empty:
        raise ValueError("consumption_forecaster got an empty frame: pass at least one reading")
    missing = {"customer_id", "reading_date", "kwh_total", "category", "tariff"} - set(frame.columns)
    if missing:
        raise ValueError(f"consumption_forecaster input lacks columns {sorted(missing)}")
    dates = pd.to_datetime(frame["reading_date"])
    as_of = pd.to_datetime(frame["as_of"].iloc[0]).date() if "as_of" in frame else dates.max().date()
    history = pd.DataFrame(
        {"customer_id": frame["customer_id"], "reading_date": dates, "kwh_total": frame["kwh_total"]}
    )
    customers = frame.drop_duplicates("customer_id")[["customer_id", "category", "tariff"]]
    temperature = None
    if "ambient_temp_c" in frame:
        temperature = (
            pd.DataFrame({"reading_date": dates, "ambient_temp_c": pd.to_numeric(frame["ambient_temp_c"])})
            .dropna()
            .groupby("reading_date", as_index=False)["ambient_temp_c"]
            .mean()
        )
    return history, customers, temperature, as_of


class ConsumptionPyfunc(mlflow.pyfunc.PythonModel):
    """MLflow wrapper: `predict(long history frame)` -> long 30-day forecast (see the module docstring)."""

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        """Load the forecaster from the logged artifact."""
        self.forecaster = ConsumptionForecaster.load(context.artifacts[ARTIFACT_KEY])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        """Forecast every customer in `model_input` for the horizon after its `as_of` day."""
        return self.forecaster.forecast(*split_history(model_input))
