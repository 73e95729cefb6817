"""Deliberately bad rows, so the loader's reject path is exercised on every run.

About `rate` of the rows of each daily file (0.1 % by default) are damaged the way real deliveries are: a
meter rolled back (negative kWh), registers that do not add up, "N/A" or "12..5" in a number, Excel's
"########" in a date, a re-sent reading (duplicate key), a code from another system ("95598" as a channel),
a MySQL zero date. Besides the random ones, every kind is forced once on a fixed day, so even a small run
has at least one of each. Each bad row is described for the manifest: file, line, kind, column, value.
Readings of meters unknown to the customer file are not defects (the loader keeps and flags them) and are
not listed here.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from .consumption import DayReadings
from .writer import Patch

KINDS: dict[str, tuple[str, ...]] = {
    "meter_readings": ("negative_kwh", "sum_mismatch", "unparseable_number", "duplicate_key", "unparseable_date"),
    "service_tickets": ("code_out_of_domain", "unparseable_timestamp"),
    "interactions": ("code_out_of_domain",),
    "transformer_telemetry": ("unparseable_number",),
}
BAD_NUMBERS = ("12..5", "N/A", "--", "1.234,5", "NaN", "#VALUE!", "3.2.1")  # 1,234.5 is an accepted variant (issue 21)
BAD_TELEMETRY_NUMBERS = ("ERR", "#N/A", "85..2", "NaN", "--", "inf")
FOREIGN_CODES = {
    "channel": ("email", "95598", "sms"),
    "ticket_type": ("other", "投诉", "repair"),
    "status": ("pending", "cancelled", "已完成"),
    "intent": ("billing", "other", "unknown", "投诉建议", "fault"),
}
_KWH = ("kwh_total", "kwh_peak", "kwh_flat", "kwh_valley")


def forced_days(dataset: str, candidate_days: list[int]) -> dict[int, list[str]]:
    """Spread one forced occurrence of each kind of `dataset` over the days that have rows."""
    out: dict[int, list[str]] = {}
    kinds = KINDS[dataset]
    if not candidate_days:
        return out
    for j, kind in enumerate(kinds):
        day = candidate_days[int((j + 0.5) * len(candidate_days) / len(kinds))]
        out.setdefault(day, []).append(kind)
    return out


def pick_kinds(rng: np.random.Generator, dataset: str, rows: int, rate: float, forced: list[str]) -> list[str]:
    """The kinds of defect for one file: Poisson(rate × rows) random ones plus the forced ones."""
    kinds = KINDS[dataset]
    drawn = [kinds[k] for k in rng.integers(0, len(kinds), rng.poisson(rate * rows))]
    return list(forced) + drawn if rows else []


def _entry(dataset: str, file: str, kind: str, column: str, value: str, key: str) -> dict:
    return {"dataset": dataset, "file": file, "line": 0, "kind": kind, "column": column, "value": value, "key": key}


def _kwh(wh: int) -> str:
    return repr(wh / 1000.0)


def reading_defects(
    rng: np.random.Generator,
    kinds: list[str],
    readings: DayReadings,
    ids: pl.Series,
    known: int,
    day: dt.date,
    file: str,
) -> tuple[list[Patch], list[dict]]:
    """Patches for one readings file: damaged rows of known customers with some consumption, and duplicates."""
    rows = readings.rows
    usable = np.flatnonzero((rows < known) & (readings.total >= 100))
    kinds = kinds[: len(usable) // 2]
    if not kinds:
        return [], []
    # Distinct rows, so the first occurrence of a duplicated key is never itself damaged.
    chosen = rng.choice(usable, len(kinds), replace=False)
    patches, entries = [], []
    date = day.isoformat()
    for kind, pos in zip(kinds, chosen):
        t, p, f, v = (int(a[pos]) for a in (readings.total, readings.peak, readings.flat, readings.valley))
        cid = ids[int(rows[pos])]
        values = {"customer_id": cid, "reading_date": date}
        values.update(zip(_KWH, map(_kwh, (t, p, f, v))))
        insert_at = pos
        if kind == "negative_kwh":
            # A meter replaced or rolled back reports the day as a negative difference on every register.
            values.update({c: "-" + values[c] for c in _KWH})
            column = "kwh_total"
        elif kind == "sum_mismatch":
            values["kwh_total"] = _kwh(t + max(50, int(t * rng.uniform(0.05, 0.3))))
            column = "kwh_total"
        elif kind == "unparseable_number":
            column = _KWH[rng.integers(0, 4)]
            values[column] = BAD_NUMBERS[rng.integers(0, len(BAD_NUMBERS))]
        elif kind == "unparseable_date":
            column = "reading_date"
            bad_dates = (f"{day:%Y-%m}-32", "########", f"{day.year}-13-{day.day:02d}", "N/A", "0000-00-00")
            values[column] = bad_dates[rng.integers(0, len(bad_dates))]
        else:  # duplicate_key: the head-end re-sends a reading later in the same file, sometimes re-read
            column = "customer_id"
            if rng.random() < 0.5:
                scale = rng.uniform(0.9, 1.1)
                p, f, v = (int(round(x * scale)) for x in (p, f, v))
                values.update(kwh_total=_kwh(p + f + v), kwh_peak=_kwh(p), kwh_flat=_kwh(f), kwh_valley=_kwh(v))
            insert_at = int(rng.integers(pos + 1, len(rows) + 1))
        patches.append(Patch(int(insert_at), values, insert=kind == "duplicate_key"))
        entries.append(_entry("meter_readings", file, kind, column, values[column], cid))
    return patches, entries


def frame_defects(
    rng: np.random.Generator, dataset: str, kinds: list[str], frame: pl.DataFrame, key: str, file: str
) -> tuple[list[Patch], list[dict]]:
    """Patches replacing rows of a telemetry or ticket file with an unparseable value or a foreign code."""
    kinds = kinds[: frame.height]
    if not kinds:
        return [], []
    positions = rng.choice(frame.height, len(kinds), replace=False)
    patches, entries = [], []
    for kind, pos in zip(kinds, positions):
        row = frame.row(int(pos), named=True)
        values = {c: "" if v is None else repr(v) if isinstance(v, float) else str(v) for c, v in row.items()}
        if kind == "unparseable_number":
            column = ("oil_temp_c", "load_pct", "voltage_v", "ambient_temp_c")[rng.integers(0, 4)]
            values[column] = BAD_TELEMETRY_NUMBERS[rng.integers(0, len(BAD_TELEMETRY_NUMBERS))]
        elif kind == "code_out_of_domain":
            column = ("channel", "ticket_type", "status")[rng.integers(0, 3)]
            values[column] = FOREIGN_CODES[column][rng.integers(0, len(FOREIGN_CODES[column]))]
        else:  # unparseable_timestamp
            column = "resolved_at" if values["resolved_at"] and rng.random() < 0.5 else "created_at"
            date = values[column][:10]
            bad_stamps = (
                f"{date} 24:{rng.integers(0, 60):02d}:00",
                f"{date[:8]}32 10:00:00",
                "0000-00-00 00:00:00",  # MySQL's zero date
                "昨天下午三点",
                "#VALUE!",
            )
            values[column] = bad_stamps[rng.integers(0, len(bad_stamps))]
        patches.append(Patch(int(pos), values))
        entries.append(_entry(dataset, file, kind, column, values[column], str(row[key])))
    return patches, entries


def interaction_defects(rng: np.random.Generator, kinds: list[str], records: list[dict], file: str) -> list[dict]:
    """Replace the intent of some records by a code outside the domain (in place); line = record number."""
    kinds = kinds[: len(records)]
    entries = []
    for kind, pos in zip(kinds, rng.choice(len(records), len(kinds), replace=False) if kinds else []):
        value = FOREIGN_CODES["intent"][rng.integers(0, len(FOREIGN_CODES["intent"]))]
        records[pos]["intent"] = value
        entry = _entry("interactions", file, kind, "intent", value, records[pos]["interaction_id"])
        entry["line"] = int(pos) + 1
        entries.append(entry)
    return entries
