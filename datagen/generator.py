"""`generate()`: build the world, simulate the period, and write the landing files day by day.

Static things (customers, network, events, the ticket and message timelines) are simulated first; they are
small (a year at a million customers: ~0.8 M tickets, ~4 M messages, ~1.7 GB peak). Meter readings and
telemetry, the bulk, are drawn and written one day at a time, so memory stays flat whatever the days.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from orchestration.ingestion.contract import DATASETS

from . import defects
from .consumption import DayType, daily_readings
from .events import Events, epoch_seconds, plan_events
from .holidays import holiday_calendar
from .interactions import interaction_records, simulate_interactions
from .manifest import FileBook, build_manifest
from .preferences import preferences_frame
from .randomness import rng_for
from .telemetry import daily_telemetry
from .ticket_process import designed_process_deviations
from .tickets import Tickets, simulate_tickets, ticket_snapshots
from .weather import Weather, simulate_weather
from .world import World, build_world
from .writer import Patch, write_csv, write_jsonl

DEFAULT_END_DATE = dt.date(2026, 10, 31)
BAD_ROW_RATE = 0.001
GB18030_SNAPSHOTS = ("customers", "workers")  # CIS and CRM exports come out of Windows tools in GB18030
_BOM_OFFSET = {"meter_readings": 3, "service_tickets": 5, "interactions": 8, "transformer_telemetry": 11}


def file_encoding(dataset: str, day_no: int) -> str:
    """Encoding of a daily file: GB18030 for every 7th day's tickets, a UTF-8 BOM on about one day in 23."""
    if dataset == "service_tickets" and (day_no + 1) % 7 == 0:
        return "gb18030"
    return "utf-8-sig" if day_no % 23 == _BOM_OFFSET[dataset] else "utf-8"


@dataclass
class _Plan:
    """Everything simulated before the daily loop."""

    seed: int
    start: dt.date
    holidays: list[str | None]
    weather: Weather
    world: World
    events: Events
    tickets: Tickets
    ticket_days: dict
    ticket_schema: pl.DataFrame
    process_deviations: pl.DataFrame  # (ticket_id, designed, deviation) the ticket files show
    message_days: dict
    message_schema: pl.DataFrame
    forced: dict[str, dict[int, list[str]]]  # dataset -> day number -> defect kinds forced on that day


@dataclass
class _Job:
    """One file to write: its content, the bad rows spliced into it, and the time spent preparing it."""

    dataset: str
    path: str
    day: dt.date
    content: pl.DataFrame | list[dict]
    rows: int
    encoding: str
    patches: list[Patch]
    entries: list[dict]
    seconds: float


def _simulate(seed: int, customers: int, days: int, end_date: dt.date) -> _Plan:
    start = end_date - dt.timedelta(days=days - 1)
    weather = simulate_weather(seed, start, days)
    world = build_world(seed, customers, start, end_date)
    events = plan_events(seed, world, weather)
    tickets = simulate_tickets(seed, world, events, weather)
    rows = ticket_snapshots(tickets, world)
    messages = simulate_interactions(seed, world, tickets)
    ticket_days = rows.partition_by("day", as_dict=True, include_key=False)
    message_days = messages.partition_by("day", as_dict=True, include_key=False)
    every_day = list(range(days))
    return _Plan(
        seed=seed,
        start=start,
        holidays=holiday_calendar(start, end_date)["holiday"].to_list(),
        weather=weather,
        world=world,
        events=events,
        tickets=tickets,
        ticket_days=ticket_days,
        ticket_schema=rows.head(0).drop("day"),
        process_deviations=designed_process_deviations(tickets, world, rows),
        message_days=message_days,
        message_schema=messages.head(0).drop("day"),
        forced={
            "meter_readings": defects.forced_days("meter_readings", every_day),
            "transformer_telemetry": defects.forced_days("transformer_telemetry", every_day),
            "service_tickets": defects.forced_days("service_tickets", sorted(int(k[0]) for k in ticket_days)),
            "interactions": defects.forced_days("interactions", sorted(int(k[0]) for k in message_days)),
        },
    )


def generate(
    out_dir: str | Path,
    customers: int = 5000,
    days: int = 180,
    seed: int = 42,
    end_date: dt.date = DEFAULT_END_DATE,
    *,
    bad_row_rate: float = BAD_ROW_RATE,
    progress: Callable[[str], None] | None = print,
) -> dict:
    """Write a complete landing directory to `out_dir` and return its manifest (also `_manifest.json`).

    The first day is end_date - days + 1. The same arguments always produce byte-identical files.
    """
    if customers < 1 or days < 1:
        raise ValueError("customers and days must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    book = FileBook(progress or (lambda _: None))
    clock = time.perf_counter()
    plan = _simulate(seed, customers, days, end_date)
    book.progress(
        f"simulated {customers:,} customers, {len(plan.world.transformers):,} transformers, "
        f"{plan.tickets.frame.height:,} tickets over {days} days from {plan.start} "
        f"in {time.perf_counter() - clock:.1f} s"
    )
    faults = plan.events.faults_frame(plan.world.transformers.ids, until=epoch_seconds(end_date + dt.timedelta(days=1)))
    _write_snapshots(out, plan, faults, book)

    # Day i's files are written by one background thread while day i+1 is computed: polars formats CSV outside
    # the GIL, so the two overlap; at most one day is in flight, so memory stays flat.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for i in range(days):
            jobs = _day_jobs(plan, i, bad_row_rate, book)
            if pending is not None:
                _finish(pending.result(), book)
            pending = pool.submit(_run_jobs, out, jobs)
            if (i + 1) % max(1, days // 10) == 0 or i + 1 == days:
                elapsed = time.perf_counter() - clock
                book.progress(f"day {i + 1:>4}/{days} {plan.start + dt.timedelta(days=i)}  {elapsed:8.1f} s")
        _finish(pending.result(), book)

    for dataset in ("meter_readings", "transformer_telemetry", "service_tickets", "interactions"):
        book.report(dataset)
    parameters = {
        "customers": customers,
        "days": days,
        "seed": seed,
        "start_date": plan.start.isoformat(),
        "end_date": end_date.isoformat(),
        "bad_row_rate": bad_row_rate,
    }
    manifest = build_manifest(parameters, plan.world, plan.events, faults, book, plan.process_deviations)
    (out / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    elapsed = time.perf_counter() - clock
    book.progress(
        f"total {elapsed:.1f} s, {book.rows['meter_readings'] / elapsed:,.0f} meter readings/s end-to-end, "
        f"{len(book.bad_rows)} bad rows, manifest {out / '_manifest.json'}"
    )
    return manifest


def _write_snapshots(out: Path, plan: _Plan, faults: pl.DataFrame, book: FileBook) -> None:
    for dataset, frame in (
        ("customers", plan.world.customers_frame()),
        ("transformers", plan.world.transformers_frame()),
        ("workers", plan.world.workers.frame),
        ("equipment_faults", faults),
        (
            "notification_preferences",
            preferences_frame(plan.seed, plan.world.customers.ids, plan.start, plan.world.end),
        ),
    ):
        t0 = time.perf_counter()
        encoding = "gb18030" if dataset in GB18030_SNAPSHOTS else "utf-8"
        write_csv(out / f"{dataset}.csv", frame.select(DATASETS[dataset].column_names), encoding=encoding)
        book.add(dataset, f"{dataset}.csv", frame.height, encoding, None, time.perf_counter() - t0)
        book.report(dataset)


def _day_jobs(plan: _Plan, i: int, rate: float, book: FileBook) -> list[_Job]:
    """Draw day `i` of every daily dataset with its defects, and note the day in the book."""
    world, seed = plan.world, plan.seed
    day = plan.start + dt.timedelta(days=i)
    name = day.isoformat()
    profiles = world.profiles

    t0 = time.perf_counter()
    day_type = DayType(float(plan.weather.t_mean[i]), day.weekday() >= 5, plan.holidays[i])
    out_share = plan.events.out_share(epoch_seconds(day), len(world.transformers))
    readings = daily_readings(profiles, seed, day, i, day_type, out_share)
    path = f"meter_readings/{name}.csv"
    rng = rng_for(seed, "defects.meter_readings", day)
    forced = plan.forced["meter_readings"].get(i, [])
    kinds = defects.pick_kinds(rng, "meter_readings", len(readings.rows), rate, forced)
    patches, entries = defects.reading_defects(rng, kinds, readings, profiles.ids, profiles.known, day, path)
    unknown = int((readings.rows >= profiles.known).sum())
    duplicates = sum(p.insert for p in patches)
    frame = readings.frame(profiles.ids, day)
    encoding = file_encoding("meter_readings", i)
    jobs = [_Job("meter_readings", path, day, frame, frame.height + duplicates, encoding, patches, entries, 0.0)]
    jobs[-1].seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    energy = np.bincount(profiles.transformer[readings.rows], weights=readings.total / 1000.0, minlength=len(out_share))
    telemetry = daily_telemetry(world, plan.events, plan.weather, seed, day, i, energy)
    jobs.append(_frame_job(plan, telemetry, "transformer_telemetry", "transformer_id", i, rate, t0))
    t0 = time.perf_counter()
    tickets = plan.ticket_days.get((i,), plan.ticket_schema)
    jobs.append(_frame_job(plan, tickets, "service_tickets", "ticket_id", i, rate, t0))

    t0 = time.perf_counter()
    path = f"interactions/{name}.jsonl"
    messages = plan.message_days.get((i,), plan.message_schema)
    records = interaction_records(seed, world, plan.tickets, messages, day)
    rng = rng_for(seed, "defects.interactions", day)
    kinds = defects.pick_kinds(rng, "interactions", len(records), rate, plan.forced["interactions"].get(i, []))
    entries = defects.interaction_defects(rng, kinds, records, path)
    encoding = file_encoding("interactions", i)
    jobs.append(_Job("interactions", path, day, records, len(records), encoding, [], entries, time.perf_counter() - t0))

    book.days.append(
        {
            "date": name,
            "active_customers": len(readings.rows) - unknown,
            "unknown_customer_rows": unknown,
            "duplicate_rows": duplicates,
            "holiday": plan.holidays[i],
            "weekend": day.weekday() >= 5,
            **plan.weather.day(i),
        }
    )
    return jobs


def _frame_job(plan: _Plan, frame: pl.DataFrame, dataset: str, key: str, i: int, rate: float, t0: float) -> _Job:
    """A telemetry or ticket file with its defects."""
    day = plan.start + dt.timedelta(days=i)
    path = f"{dataset}/{day.isoformat()}.csv"
    rng = rng_for(plan.seed, f"defects.{dataset}", day)
    kinds = defects.pick_kinds(rng, dataset, frame.height, rate, plan.forced[dataset].get(i, []))
    patches, entries = defects.frame_defects(rng, dataset, kinds, frame, key, path)
    encoding = file_encoding(dataset, i)
    return _Job(dataset, path, day, frame, frame.height, encoding, patches, entries, time.perf_counter() - t0)


def _run_jobs(out: Path, jobs: list[_Job]) -> list[_Job]:
    """Write a day's files (in the background thread); fills in line numbers and adds the writing time."""
    for job in jobs:
        t0 = time.perf_counter()
        if isinstance(job.content, list):
            write_jsonl(out / job.path, job.content, job.encoding)
        else:
            for entry, line in zip(job.entries, write_csv(out / job.path, job.content, job.patches, job.encoding)):
                entry["line"] = line
        job.seconds += time.perf_counter() - t0
        job.content = []  # release the day's data as soon as it is on disk
    return jobs


def _finish(jobs: list[_Job], book: FileBook) -> None:
    for job in jobs:
        book.add(job.dataset, job.path, job.rows, job.encoding, job.day, job.seconds)
        book.bad_rows += job.entries
