"""From long readings to model tensors: a dense customer × day panel, per-customer scaling, and windows.

A window ends on an anchor day: the encoder reads the `input_days` up to and including the anchor, the
decoder predicts the `horizon` days after it. Every kWh is divided by the customer's mean over the input
days (its scale), so a 5 kWh/day flat and a 2 MWh/day factory look alike to the one global model, and the
scale itself enters as a static feature. Missing days (no reading delivered) are zeros with an
`observed` flag in the input and masked out of the loss as targets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import lightning as L
import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

from domain.codes import CATEGORIES, TARIFFS
from domain.physics import COOLING_BASE_C, HEATING_BASE_C  # the usual CDD/HDD bases, the generator's too
from ml.consumption.calendar import CALENDAR_FEATURES, calendar_features

# A near-vacant home uses ~0.1 kWh a day; below this floor the ratio to the scale is noise.
MIN_SCALE_KWH = 0.05

N_CAL = len(CALENDAR_FEATURES)
# Encoder per day: scaled kWh, observed flag, calendar, temperature (normalised, cooling, heating, known).
N_ENCODER = 2 + N_CAL + 4
# Decoder per day: calendar plus the scaled mean of the same weekday in the input window.
N_DECODER = N_CAL + 1
# Static: category and tariff one-hot, log of the scale.
N_STATIC = len(CATEGORIES) + len(TARIFFS) + 1


@dataclass
class Panel:
    """Daily kWh of many customers on one calendar: `kwh[i, j]` is customer i on `days[j]` (NaN = missing)."""

    customer_ids: np.ndarray
    days: list[dt.date]
    kwh: np.ndarray  # float32 (customers, days)
    static_codes: np.ndarray  # float32 (customers, categories + tariffs)
    temperature_c: np.ndarray  # float32 (days,), NaN where unknown

    @property
    def calendar(self) -> np.ndarray:
        """Calendar features of `days` (computed once, cached)."""
        if not hasattr(self, "_calendar"):
            self._calendar = calendar_features(self.days)
        return self._calendar


def one_hot_codes(categories: pd.Series, tariffs: pd.Series) -> np.ndarray:
    """float32 (n, 7): category and tariff one-hot; an unknown code leaves its block zero."""
    out = np.zeros((len(categories), len(CATEGORIES) + len(TARIFFS)), dtype=np.float32)
    for j, code in enumerate(CATEGORIES):
        out[:, j] = categories.to_numpy() == code
    for j, code in enumerate(TARIFFS):
        out[:, len(CATEGORIES) + j] = tariffs.to_numpy() == code
    return out


EPOCH = dt.date(1970, 1, 1)


def _day_numbers(values: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 of dates given as dates, timestamps or ISO strings (vectorised)."""
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]").astype(np.int64)


def _as_date(day_number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day_number))


def build_panel(
    readings: pd.DataFrame,
    customers: pd.DataFrame,
    temperature: pd.DataFrame | None = None,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
) -> Panel:
    """Pivot long readings into a Panel.

    Args:
        readings: `customer_id`, `reading_date`, `kwh_total`; customers absent from `customers` are ignored.
        customers: `customer_id`, `category`, `tariff`, one row per customer (panel row order).
        temperature: `reading_date`, `ambient_temp_c` (the day's mean), or None when the data has none.
        first_day, last_day: the calendar; default the readings' first and last day.
    """
    day_numbers = _day_numbers(readings["reading_date"])
    if first_day is None:
        first_day = _as_date(day_numbers.min()) if len(day_numbers) else dt.date.today()
    if last_day is None:
        last_day = _as_date(day_numbers.max()) if len(day_numbers) else first_day
    days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    origin = (first_day - EPOCH).days
    ids = customers["customer_id"].astype(str).to_numpy()
    row_of = pd.Series(np.arange(len(ids)), index=ids)
    kwh = np.full((len(ids), len(days)), np.nan, dtype=np.float32)
    rows = row_of.reindex(readings["customer_id"].astype(str).to_numpy()).to_numpy()
    cols = day_numbers - origin
    keep = ~np.isnan(rows) & (cols >= 0) & (cols < len(days))
    values = readings["kwh_total"].to_numpy(dtype=np.float32)
    # A meter never reads negative or infinite; such a value is a missing day, not a forecastable one.
    keep &= np.isfinite(values) & (values >= 0)
    kwh[rows[keep].astype(np.int64), cols[keep]] = values[keep]
    temp = np.full(len(days), np.nan, dtype=np.float32)
    if temperature is not None and len(temperature):
        t_cols = _day_numbers(temperature["reading_date"]) - origin
        t_values = temperature["ambient_temp_c"].to_numpy(dtype=np.float32)
        ok = (t_cols >= 0) & (t_cols < len(days)) & np.isfinite(t_values)
        temp[t_cols[ok]] = t_values[ok]
    return Panel(ids, days, kwh, one_hot_codes(customers["category"], customers["tariff"]), temp)


def temperature_features(temp_c: np.ndarray) -> np.ndarray:
    """float32 (..., 4): (t-16)/10, cooling and heating degrees / 5, and 1 where the temperature is known."""
    known = ~np.isnan(temp_c)
    t = np.where(known, temp_c, 16.0)
    return np.stack(
        [
            (t - 16.0) / 10.0,
            np.maximum(t - COOLING_BASE_C, 0.0) / 5.0,
            np.maximum(HEATING_BASE_C - t, 0.0) / 5.0,
            known.astype(np.float32),
        ],
        axis=-1,
    ).astype(np.float32)


def make_windows(
    panel: Panel, rows: np.ndarray, anchors: np.ndarray, input_days: int, horizon: int, target_end: int | None = None
) -> dict[str, torch.Tensor]:
    """Tensors of the windows (customer row, anchor column) pairs.

    Calendar days after the panel's last day (the future being forecast) are computed from dates; targets on
    or after column `target_end` (default: the panel's end) are masked, so training never sees held-out days.

    Returns:
        `encoder` (n, input_days, N_ENCODER), `decoder` (n, horizon, N_DECODER), `static` (n, N_STATIC),
        `target` (n, horizon) scaled kWh, `mask` (n, horizon) 1 where a target is observed and allowed,
        and `scale` (n,) kWh per day.
    """
    n_days = len(panel.days)
    target_end = n_days if target_end is None else target_end
    rows, anchors = np.asarray(rows, dtype=np.int64), np.asarray(anchors, dtype=np.int64)
    enc_cols = anchors[:, None] + np.arange(-input_days + 1, 1)[None, :]
    dec_cols = anchors[:, None] + np.arange(1, horizon + 1)[None, :]
    extra = max(0, int(dec_cols.max(initial=0)) - n_days + 1)
    calendar = panel.calendar
    if extra:
        future = [panel.days[-1] + dt.timedelta(days=i) for i in range(1, extra + 1)]
        calendar = np.concatenate([calendar, calendar_features(future)])
    kwh = np.concatenate([panel.kwh, np.full((len(panel.kwh), extra), np.nan, np.float32)], axis=1)
    temp = np.concatenate([panel.temperature_c, np.full(extra, np.nan, np.float32)])

    enc_ok = enc_cols >= 0
    enc_cols_c = np.clip(enc_cols, 0, None)
    history = np.where(enc_ok, kwh[rows[:, None], enc_cols_c], np.nan)
    observed = ~np.isnan(history)
    seen_days = observed.sum(axis=1)
    scale = np.where(observed, history, 0.0).sum(axis=1) / np.maximum(seen_days, 1)
    scale = np.maximum(scale, MIN_SCALE_KWH).astype(np.float32)
    scaled = np.where(observed, history / scale[:, None], 0.0).astype(np.float32)
    # Day-type prior for each decoder day: the mean scaled kWh of the same weekday in the input window.
    weekday_mean = np.zeros((len(rows), 7), dtype=np.float32)
    for w in range(7):
        same = (np.arange(input_days)[None, :] - (input_days - 1) + anchors[:, None]) % 7 == w
        sel = same & observed
        weekday_mean[:, w] = np.where(sel.any(axis=1), (scaled * sel).sum(axis=1) / np.maximum(sel.sum(axis=1), 1), 1.0)
    dec_weekday = dec_cols % 7
    encoder = np.concatenate(
        [
            scaled[..., None],
            observed[..., None].astype(np.float32),
            np.where(enc_ok[..., None], calendar[enc_cols_c], 0.0),
            temperature_features(np.where(enc_ok, temp[enc_cols_c], np.nan)),
        ],
        axis=-1,
    ).astype(np.float32)
    decoder = np.concatenate(
        [calendar[dec_cols], np.take_along_axis(weekday_mean, dec_weekday, axis=1)[..., None]], axis=-1
    ).astype(np.float32)
    static = np.concatenate([panel.static_codes[rows], (np.log(scale) / 5.0)[:, None]], axis=1).astype(np.float32)
    target_raw = kwh[rows[:, None], dec_cols]
    mask = ~np.isnan(target_raw) & (dec_cols < target_end)
    target = np.where(mask, target_raw / scale[:, None], 0.0).astype(np.float32)
    return {
        "encoder": torch.from_numpy(encoder),
        "decoder": torch.from_numpy(decoder),
        "static": torch.from_numpy(static),
        "target": torch.from_numpy(target),
        "mask": torch.from_numpy(mask.astype(np.float32)),
        "scale": torch.from_numpy(scale),
    }


def training_pairs(
    panel: Panel,
    input_days: int,
    train_end: int,
    stride: int,
    max_customers: int | None,
    seed: int,
    min_observed: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, anchors) of the training windows: every `stride`-th anchor whose first target is before
    `train_end`, for a seeded sample of at most `max_customers` customers, keeping windows whose input has
    at least `min_observed` of its days read and at least one target day."""
    rng = np.random.default_rng(seed)
    n = len(panel.customer_ids)
    rows = (
        np.arange(n)
        if max_customers is None or n <= max_customers
        else np.sort(rng.choice(n, max_customers, replace=False))
    )
    anchors = np.arange(train_end - 2, input_days - 2, -stride)[::-1]
    if len(rows) == 0 or len(anchors) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rr, aa = np.meshgrid(rows, anchors, indexing="ij")
    rr, aa = rr.ravel(), aa.ravel()
    seen = ~np.isnan(panel.kwh)
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(seen, axis=1)], axis=1)
    input_seen = cum[rr, aa + 1] - cum[rr, np.maximum(aa + 1 - input_days, 0)]
    has_target = seen[rr, aa + 1]
    keep = (input_seen >= min_observed * input_days) & has_target
    return rr[keep], aa[keep]


class ConsumptionDataModule(L.LightningDataModule):
    """Training and validation windows from one Panel; validation = the 10% of windows anchored latest."""

    def __init__(
        self,
        panel: Panel,
        input_days: int,
        horizon: int,
        train_end: int,
        stride: int,
        max_customers: int | None,
        batch_size: int,
        seed: int,
        weight_power: float = 0.0,
    ) -> None:
        """Keep the settings; windows are built in `setup`."""
        super().__init__()
        self.weight_power = weight_power
        self.panel, self.input_days, self.horizon, self.train_end = panel, input_days, horizon, train_end
        self.stride, self.max_customers, self.batch_size, self.seed = stride, max_customers, batch_size, seed

    def setup(self, stage: str | None = None) -> None:
        """Build every window once; they fit in memory at the sampled customer count."""
        if hasattr(self, "train_set"):
            return
        rows, anchors = training_pairs(
            self.panel, self.input_days, self.train_end, self.stride, self.max_customers, self.seed
        )
        if len(rows) == 0:
            raise ValueError(
                f"no training windows: {len(self.panel.days)} days of history, {self.input_days} input days and "
                f"{len(self.panel.days) - self.train_end} held out leave none"
            )
        tensors = make_windows(self.panel, rows, anchors, self.input_days, self.horizon, self.train_end)
        # Validation (and the interval calibration) uses the windows with the latest anchors, held out of
        # training: the nearest thing to forecasting the unseen days that follow the training period.
        n_val = max(1, len(rows) // 10)
        order = np.argsort(anchors, kind="stable")
        val, fit = order[-n_val:], order[:-n_val]
        self.n_windows = len(rows)
        self.n_customers = len(np.unique(rows))
        # Each window's loss counts in proportion to scale ** weight_power: 0 weighs every customer alike
        # (errors relative to their level), 1 weighs kWh alike (the absolute error the MAE measures).
        weights = tensors["scale"] ** self.weight_power
        weighted = tensors["mask"] * (weights / weights.mean())[:, None]
        keys = ("encoder", "decoder", "static", "target")
        self.val_set = TensorDataset(*(tensors[k][val] for k in keys), tensors["mask"][val])
        self.train_set = TensorDataset(*(tensors[k][fit] for k in keys), weighted[fit])

    def train_dataloader(self) -> DataLoader:
        """Shuffled with a seeded generator, so equal configs give equal models."""
        generator = torch.Generator().manual_seed(self.seed)
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True, generator=generator)

    def val_dataloader(self) -> DataLoader:
        """In order; large batches (no gradients)."""
        return DataLoader(self.val_set, batch_size=4 * self.batch_size)
