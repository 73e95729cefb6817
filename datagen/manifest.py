"""The run's bookkeeping and `_manifest.json`: files, rows, encodings, bad rows, and the ground truth.

The manifest is what tests and benchmarks compare the loader against: per file its data rows and encoding,
per day the customers with a reading, every injected bad row (file, line, kind, column, value), and the
facts behind the data (faults with their degradation, outages, hot transformers, frequent callers, the
designed process deviations the ticket files show, ticket by ticket).
It holds no timings, so identical arguments give an identical manifest.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .events import CAUSES, Events
from .world import World


def stamp(seconds: int) -> str:
    """Epoch seconds (local wall-clock) as 'YYYY-MM-DD HH:MM:SS'."""
    return (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(seconds))).strftime("%Y-%m-%d %H:%M:%S")


def good_rows(manifest: dict, file: str) -> int:
    """Data rows of landing file `file` (relative to the landing folder) the loader must keep: all of its rows
    but the bad ones the generator injected, which go to quarantine."""
    return manifest["files"][file]["rows"] - sum(b["file"] == file for b in manifest["bad_rows"])


@dataclass
class FileBook:
    """What has been written so far: files, bad rows, days, and rows and seconds per dataset."""

    progress: Callable[[str], None]
    files: dict[str, dict] = field(default_factory=dict)
    bad_rows: list[dict] = field(default_factory=list)
    days: list[dict] = field(default_factory=list)
    rows: Counter = field(default_factory=Counter)
    file_count: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)

    def add(self, dataset: str, path: str, rows: int, encoding: str, day: dt.date | None, seconds: float) -> None:
        """Record one written file."""
        self.files[path] = {
            "dataset": dataset,
            "day": day.isoformat() if day else None,
            "rows": rows,
            "encoding": encoding,
        }
        self.rows[dataset] += rows
        self.file_count[dataset] += 1
        self.seconds[dataset] += seconds

    def report(self, dataset: str) -> None:
        """Print the progress line of a dataset: rows, files, seconds spent on it."""
        self.progress(
            f"{dataset:<22} {self.rows[dataset]:>12,} rows {self.file_count[dataset]:>5} files "
            f"{self.seconds[dataset]:>8.1f} s"
        )


def build_manifest(
    parameters: dict,
    world: World,
    events: Events,
    faults: pl.DataFrame,
    book: FileBook,
    process_deviations: pl.DataFrame,
) -> dict:
    """The manifest as a JSON-ready dict (keys in a fixed order)."""
    ids = world.transformers.ids
    c = world.customers
    recorded = np.flatnonzero(events.cause <= 1)
    recorded = recorded[np.argsort(events.start[recorded], kind="stable")]
    fault_of = {int(k): fid for k, fid in zip(recorded, faults["fault_id"])}
    ramps = {int(t): (int(s), float(x)) for t, s, x in zip(events.degrading, events.ramp_start, events.extra_c)}
    fault_list = []
    for k, fid in fault_of.items():
        ramp = ramps.get(int(events.transformer[k])) if events.cause[k] == 0 else None
        fault_list.append(
            {
                "fault_id": fid,
                "transformer_id": ids[int(events.transformer[k])],
                "fault_at": stamp(events.start[k]),
                "fault_type": events.fault_type[k],
                "restored_at": stamp(events.end[k]),
                "degrading": ramp is not None,
                "degradation_start": stamp(ramp[0]) if ramp else None,
                "oil_excess_c": round(ramp[1], 1) if ramp else None,
            }
        )
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for b in book.bad_rows:
        by_kind[b["dataset"]][b["kind"]] += 1
    return {
        "generator": "datagen",
        "parameters": parameters,
        "summary": {
            "rows": dict(book.rows),
            "files": dict(book.file_count),
            "bad_rows": {d: dict(sorted(k.items())) for d, k in sorted(by_kind.items())},
            "transformers": len(ids),
            "workers": world.workers.frame.height,
            "faults": len(fault_list),
            "outages": len(events.start),
            "process_deviations": dict(sorted(Counter(process_deviations["deviation"].to_list()).items())),
            "nonconformant_tickets": process_deviations["ticket_id"].n_unique(),
        },
        "files": book.files,
        "days": book.days,
        "bad_rows": book.bad_rows,
        "unknown_customer_ids": world.profiles.ids[world.profiles.known :].to_list(),
        "faults": fault_list,
        "outages": [
            {
                "transformer_id": ids[int(t)],
                "start": stamp(s),
                "end": stamp(e),
                "cause": CAUSES[int(k)],
                "fault_id": fault_of.get(n),
            }
            for n, (t, s, e, k) in enumerate(zip(events.transformer, events.start, events.end, events.cause))
        ],
        "hot_transformer_ids": ids.gather(np.flatnonzero(world.hot_offset_c > 0)).to_list(),
        "frequent_repair_customer_ids": c.ids.filter(pl.Series(c.frequent_repair)).to_list(),
        "frequent_complaint_customer_ids": c.ids.filter(pl.Series(c.frequent_complaint)).to_list(),
        # Every designed deviation of the ticket lifecycle (tickets.DEVIATIONS) that the delivered files show,
        # as the process marts name it (marts.fct_ticket_deviations.deviation).
        "process_deviations": process_deviations.to_dicts(),
    }
