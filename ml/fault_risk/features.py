"""Hourly transformer telemetry → one row per transformer and day, the grain the Prophet models are fitted on;
recorded faults → the days of each unit's faults."""

from __future__ import annotations

import numpy as np
import pandas as pd

TELEMETRY_COLUMNS = ("transformer_id", "ts", "oil_temp_c", "load_pct", "voltage_v", "ambient_temp_c")
DAILY_COLUMNS = (
    "transformer_id",
    "ds",
    "y",
    "max_load_pct",
    "peak_load_sq",
    "max_ambient_temp_c",
    "mean_ambient_temp_c",
    "hours_in_service",
)
# Top-oil temperature follows the load losses with a lag of hours, so the day's hottest oil goes with its
# hottest few hours of load, not with its single noisiest hourly reading.
PEAK_LOAD_HOURS = 3


def daily_features(telemetry: pd.DataFrame, min_hours_in_service: int = 18) -> pd.DataFrame:
    """Aggregate hourly telemetry to days: one row per transformer and day with enough hours in service.

    Columns:
        transformer_id, ds: the unit and the local day (midnight).
        y: the day's max oil temperature (°C) over the hours in service.
        max_load_pct: the day's max hourly load.
        peak_load_sq: the day's highest mean of (load_pct / 100)² over `PEAK_LOAD_HOURS` consecutive hours.
            Load losses, and so the top-oil rise over ambient, grow with the square of the load.
        max_ambient_temp_c, mean_ambient_temp_c: over all the day's hours (the weather goes on during an
            outage); the max sets the afternoon, the mean the evening when the load peaks.
        hours_in_service: hours with telemetry and voltage above zero.

    Non-numeric and infinite readings count as missing. An hour at zero voltage is an hour out of service:
    the unit carries no load and its oil cools towards ambient, so it says nothing about how hot the unit
    runs. Days with fewer than `min_hours_in_service` such hours are dropped, since their maximum may have
    missed the evening peak. Rows are sorted by transformer and day.
    """
    missing = set(TELEMETRY_COLUMNS) - set(telemetry.columns)
    if missing:
        raise ValueError(f"telemetry lacks columns {sorted(missing)}")
    frame = telemetry.loc[:, list(TELEMETRY_COLUMNS)].copy()
    frame["transformer_id"] = frame["transformer_id"].astype(str)
    # Unparseable values ("inf", "ERR") must not become a day's maximum: ingestion should quarantine them,
    # but one stray infinity would otherwise break a unit's fit. Decimals from the warehouse become floats.
    for column in ("oil_temp_c", "load_pct", "voltage_v", "ambient_temp_c"):
        values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        frame[column] = values.where(np.isfinite(values))
    frame["ts"] = pd.to_datetime(frame["ts"]).astype("datetime64[ns]")
    frame = frame.sort_values(["transformer_id", "ts"], kind="stable").reset_index(drop=True)
    frame["ds"] = frame["ts"].dt.normalize()
    frame["peak_load_sq"] = _rolling_load_sq(frame)

    keys = ["transformer_id", "ds"]
    ambient = frame.groupby(keys, sort=False)["ambient_temp_c"].agg(
        max_ambient_temp_c="max", mean_ambient_temp_c="mean"
    )
    # A missing voltage is not evidence of an outage, hence "not <= 0" rather than "> 0".
    serving = frame[~(frame["voltage_v"] <= 0) & frame["oil_temp_c"].notna()]
    daily = serving.groupby(keys, sort=False).agg(
        y=("oil_temp_c", "max"),
        max_load_pct=("load_pct", "max"),
        peak_load_sq=("peak_load_sq", "max"),
        hours_in_service=("oil_temp_c", "size"),
    )
    daily = daily.join(ambient, how="inner").reset_index()
    enough = daily["hours_in_service"] >= min_hours_in_service
    daily = daily[enough & daily[["max_ambient_temp_c", "peak_load_sq"]].notna().all(axis=1)]
    daily["hours_in_service"] = daily["hours_in_service"].astype("int64")
    daily = daily.sort_values(keys, kind="stable").reset_index(drop=True)
    return daily.loc[:, list(DAILY_COLUMNS)]


def _rolling_load_sq(frame: pd.DataFrame) -> pd.Series:
    """Mean of (load/100)² over the hour and the `PEAK_LOAD_HOURS − 1` before it (rows sorted by unit, ts).

    Only readings exactly 1, 2, … hours earlier count, so a gap in the telemetry shortens the window rather
    than reaching back to an unrelated hour. Out-of-service hours count with their zero load: the oil cooled.
    """
    load_sq = (frame["load_pct"] / 100.0) ** 2
    by_unit = frame.groupby("transformer_id", sort=False)
    parts = [load_sq]
    for lag in range(1, PEAK_LOAD_HOURS):
        earlier = by_unit["ts"].shift(lag)
        lagged = by_unit["load_pct"].shift(lag).div(100.0).pow(2)
        parts.append(lagged.where(frame["ts"] - earlier == pd.Timedelta(hours=lag)))
    return pd.concat(parts, axis=1).mean(axis=1, skipna=True)


def fault_days(faults: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """Days (datetime64[D], ascending) of each transformer's recorded faults (`transformer_id`, `fault_at`)."""
    if faults is None or faults.empty:
        return {}
    days = pd.to_datetime(faults["fault_at"]).to_numpy().astype("datetime64[D]")
    ids = faults["transformer_id"].astype(str).to_numpy()
    return {tid: np.sort(days[ids == tid]) for tid in np.unique(ids)}
