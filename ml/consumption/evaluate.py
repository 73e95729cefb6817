"""Scoring a forecast against what happened, and the two baselines every forecast must beat.

MAE is over every customer-day with a reading; MAPE only over days with at least 1 kWh (a near-vacant
home's 0.05 kWh would dominate any percentage); coverage is the share of days inside the 80% interval.
"""

from __future__ import annotations

import numpy as np

MAPE_FLOOR_KWH = 1.0
SEASON_DAYS = 7


def score(
    actual: np.ndarray, predicted: np.ndarray, lo: np.ndarray | None = None, hi: np.ndarray | None = None
) -> dict[str, float]:
    """`mae`, `mape` and (with an interval) `coverage` over the non-NaN cells of `actual`."""
    seen = ~np.isnan(actual) & ~np.isnan(predicted)
    a, p = actual[seen], predicted[seen]
    big = a >= MAPE_FLOOR_KWH
    out = {
        "mae": float(np.abs(a - p).mean()) if a.size else float("nan"),
        "mape": float((np.abs(a - p)[big] / a[big]).mean()) if big.any() else float("nan"),
    }
    if lo is not None and hi is not None:
        out["coverage"] = float(((a >= lo[seen]) & (a <= hi[seen])).mean()) if a.size else float("nan")
    return out


def seasonal_naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """Same weekday last week: day k after the anchor repeats the reading 7 days before it (last week
    repeated); a missing reading there falls back to the trailing mean. `history` (n, days) ends on the anchor."""
    last_week = history[:, -SEASON_DAYS:]
    fallback = trailing_mean(history, horizon)
    reps = np.tile(last_week, (1, int(np.ceil(horizon / SEASON_DAYS))))[:, :horizon]
    return np.where(np.isnan(reps), fallback, reps)


def trailing_mean(history: np.ndarray, horizon: int, days: int = 28) -> np.ndarray:
    """The customer's mean over the last `days` readings, flat over the horizon (NaN without any)."""
    window = history[:, -days:]
    has = (~np.isnan(window)).any(axis=1)
    mean = np.full(len(window), np.nan)
    mean[has] = np.nanmean(window[has], axis=1)
    return np.repeat(mean[:, None], horizon, axis=1)
