"""Service tickets (工单): who calls when, and how each ticket moves from open to closed.

Tickets are simulated for the whole period first (each creation day from its own random stream), because a
ticket created on one day changes state on later days; `ticket_snapshots` then gives, for every day, the
state at the end of that day of each ticket that was created or changed on it. Volume follows the weather
(heat, cold snaps, storms) and outages (a transformer's customers call in a burst). Field work for fault
repairs is timed by area type against the repair commitment (urban 45, rural 90, remote 120 minutes).

Every ticket follows the processes of docs/process/: it is dispatched to the unit that handles it, visited
only when its type needs a visit, resolved, called back (回访) within 24 hours and closed, and rated by
most customers. A few tickets carry one designed deviation each (`DEVIATIONS`: a dispatch or an arrival
never entered, a repair talked through on the phone, out-of-order timestamps, a reopening, a late or
missing callback); `ticket_process.designed_process_deviations` lists those the delivered files show, for the manifest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from domain.codes import CHANNELS, TICKET_TYPES

from .complaints import FollowUpComplaints
from .events import DAY, HOUR, Events, epoch_seconds
from .holidays import holiday_calendar
from .randomness import rng_for
from .texts import compose_descriptions
from .ticket_process import (
    DEVIATIONS,
    MINUTE,
    NEVER,
    T,
    callbacks,
    designed_deviations,
    recorded_times,
)
from .weather import Weather
from .world import World

BASE_RATE = 0.0016  # tickets per customer and day on a mild working day
_BASE_MIX = np.array([0.24, 0.10, 0.07, 0.25, 0.12, 0.06, 0.09, 0.07, 0.0])  # in TICKET_TYPES order
_CATEGORY_WEIGHT = np.array([1.0, 2.5, 3.0, 1.5])  # businesses call more per account
_CHANNEL_MIX = np.array([[0.30, 0.35, 0.28, 0.07], [0.18, 0.30, 0.42, 0.10], [0.10, 0.22, 0.50, 0.18]])
_HOURLY_CALLS = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 13, 11, 9, 10, 11, 11, 10, 10, 11, 13, 12, 9, 5, 2], float)
COMMITMENT_MIN = np.array([45, 90, 120])  # arrival commitment by area type (urban, rural, remote)
_TRAVEL_MEDIAN_MIN = np.array([28.0, 66.0, 95.0])
# Per outage cause (degradation fault, sudden fault, storm trip, planned): share of customers who call.
_OUTAGE_CALL_SHARE = np.array([0.35, 0.35, 0.25, 0.08])
_OUTAGE_REPAIR_SHARE = np.array([0.45, 0.45, 0.40, 0.05])  # the rest ask when power comes back
FREQUENT_REPAIR_DAILY = 0.04
FREQUENT_COMPLAINT_DAILY = 0.015


@dataclass
class Tickets:
    """All tickets of the period, one row each, with true event times and recorded (displayed) values."""

    frame: pl.DataFrame


def _weather_factor(weather: Weather, i: int) -> float:
    return (
        1.0
        + 0.08 * max(float(weather.t_max[i]) - 33.0, 0.0)
        + 0.06 * max(2.0 - float(weather.t_min[i]), 0.0)
        + 1.2 * float(weather.storm[i])
    )


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    hour = rng.choice(24, n, p=_HOURLY_CALLS / _HOURLY_CALLS.sum())
    return hour * HOUR + rng.integers(0, HOUR, n)


def _office_hours(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Move times outside 08:00–17:00 to the next morning: surveys and visits are booked in office hours."""
    day, second = t // DAY * DAY, t % DAY
    morning = 8 * HOUR + rng.integers(0, 2 * HOUR, len(t))
    return np.where(second < 8 * HOUR, day + morning, np.where(second >= 17 * HOUR, day + DAY + morning, t))


def _lognormal_s(rng: np.random.Generator, median_s: float | np.ndarray, sigma: float, n: int) -> np.ndarray:
    return (np.asarray(median_s) * np.exp(sigma * rng.standard_normal(n))).astype(np.int64)


def _new_tickets(seed: int, world: World, events: Events, weather: Weather, i: int, holiday: bool) -> dict:
    """Who files a ticket on day number `i`, of which type, through which channel, and when."""
    day = world.start + dt.timedelta(days=i)
    rng = rng_for(seed, "tickets", day)
    c = world.customers
    d0 = epoch_seconds(day)
    active = c.opened <= i
    weight = _CATEGORY_WEIGHT[c.category] * np.where(world.profiles.vacant[: len(c)], 0.1, 1.0) * active
    cum = np.cumsum(weight)
    factor = _weather_factor(weather, i) * (0.7 if holiday else 0.8 if day.weekday() >= 5 else 1.0)

    n = rng.poisson(active.sum() * BASE_RATE * factor)
    who = [np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(c) - 1)]
    mix = _BASE_MIX.copy()
    mix[[T["fault_repair"], T["outage_inquiry"]]] *= factor
    kind = [rng.choice(len(TICKET_TYPES), n, p=mix / mix.sum())]
    when = [d0 + _time_of_day(rng, n)]
    outage = [np.full(n, -1)]

    for k in np.flatnonzero((events.start >= d0) & (events.start < d0 + DAY)):
        members = world.members(int(events.transformer[k]))
        callers = members[(rng.random(len(members)) < _OUTAGE_CALL_SHARE[events.cause[k]]) & active[members]]
        repair = rng.random(len(callers)) < _OUTAGE_REPAIR_SHARE[events.cause[k]]
        who.append(callers)
        kind.append(np.where(repair, T["fault_repair"], T["outage_inquiry"]))
        delay = (2 + rng.exponential(25.0, len(callers))) * MINUTE
        when.append(np.minimum(events.start[k] + delay.astype(np.int64), events.end[k] + HOUR))
        outage.append(np.full(len(callers), k))

    for flag, rate, ticket_type in (
        (c.frequent_repair, FREQUENT_REPAIR_DAILY, "fault_repair"),
        (c.frequent_complaint, FREQUENT_COMPLAINT_DAILY, "complaint"),
    ):
        candidates = np.flatnonzero(flag & active)
        chosen = candidates[rng.random(len(candidates)) < rate]
        who.append(chosen)
        kind.append(np.full(len(chosen), T[ticket_type]))
        when.append(d0 + _time_of_day(rng, len(chosen)))
        outage.append(np.full(len(chosen), -1))

    # Preventive maintenance: hot transformers are inspected every few weeks, others now and then.
    n_t = len(world.transformers)
    hot = np.flatnonzero(world.hot_offset_c > 0)
    sites = np.concatenate([hot[rng.random(len(hot)) < 1 / 25], rng.integers(0, n_t, rng.poisson(0.0008 * n_t))])
    bounds = world.member_bounds
    sites = sites[bounds[sites + 1] > bounds[sites]]
    site_account = world.member_order[bounds[sites]]  # logged against the first account on the transformer
    sites, site_account = sites[active[site_account]], site_account[active[site_account]]
    who.append(site_account)
    kind.append(np.full(len(sites), T["preventive_maintenance"]))
    when.append(d0 + 8 * HOUR + rng.integers(0, 9 * HOUR, len(sites)))
    outage.append(np.full(len(sites), -1))

    customer = np.concatenate(who).astype(np.int64)
    ticket_type = np.concatenate(kind).astype(np.int8)
    channel = (rng.random(len(customer))[:, None] > _CHANNEL_MIX.cumsum(axis=1)[c.area[customer]]).sum(axis=1)
    channel[ticket_type == T["preventive_maintenance"]] = 0  # crews log inspections in the mobile app
    return {
        "customer": customer,
        "ticket_type": ticket_type,
        "channel": channel.astype(np.int8),
        "created": np.concatenate(when).astype(np.int64),
        "outage": np.concatenate(outage).astype(np.int64),
        "rng": rng,
    }


def _lifecycle(rng: np.random.Generator, world: World, events: Events, t: dict, deviation: np.ndarray) -> dict:
    """True event times and outcome of the day's new tickets: every ticket is dispatched to the unit that
    handles it; only repairs, new connections (site survey) and inspections get a visit."""
    n = len(t["customer"])
    tt, created = t["ticket_type"], t["created"]
    area = world.customers.area[t["customer"]]
    is_ = {name: tt == code for name, code in T.items()}
    remote_fix = deviation == DEVIATIONS.index("remote_fix")
    visit = (is_["fault_repair"] & ~remote_fix) | is_["service_application"] | is_["preventive_maintenance"]

    # Requests are dispatched within minutes to the unit that handles them; one lodged at night waits for
    # the back office to open (repairs and outage questions are handled around the clock).
    dispatch = created + np.maximum(_lognormal_s(rng, 4 * MINUTE, 0.6, n), MINUTE)
    office = ~(is_["fault_repair"] | is_["outage_inquiry"] | is_["preventive_maintenance"])
    dispatch = np.where(office, _office_hours(rng, dispatch), dispatch)
    # A new connection's documents are reviewed first: the survey crew is dispatched hours later.
    review = _office_hours(rng, created + rng.integers(2, 20, n) * HOUR)
    dispatch = np.where(is_["service_application"], review, dispatch)
    dispatch = np.where(is_["fault_repair"], created + _lognormal_s(rng, 6 * MINUTE, 0.6, n), dispatch)
    dispatch = np.where(is_["preventive_maintenance"], created + rng.integers(30, 180, n) * MINUTE, dispatch)

    travel = _lognormal_s(rng, _TRAVEL_MEDIAN_MIN[area] * MINUTE, 0.35, n)
    # The long tail: traffic, a wrong address, a crew busy on another job.
    travel += np.where(rng.random(n) < 0.05, rng.exponential(45.0, n) * MINUTE, 0).astype(np.int64)
    arrive = np.where(is_["fault_repair"], np.maximum(created + travel, dispatch + 3 * MINUTE), NEVER)
    arrive = np.where(is_["preventive_maintenance"], dispatch + rng.integers(30, 180, n) * MINUTE, arrive)
    arrive = np.where(is_["service_application"], _office_hours(rng, dispatch + rng.integers(4, 72, n) * HOUR), arrive)
    arrive = np.where(visit, arrive, NEVER)

    quick = rng.random(n) < 0.75
    resolve = dispatch + np.where(quick, rng.integers(1, 12, n) * MINUTE, _lognormal_s(rng, 20 * HOUR, 0.8, n))
    # A repair's duration is capped at 3 h so a resolution stamped early stays within hours of the truth.
    repair = np.minimum(_lognormal_s(rng, 50 * MINUTE, 0.7, n), 3 * HOUR)
    resolve = np.where(is_["fault_repair"], arrive + repair, resolve)
    resolve = np.where(remote_fix, dispatch + rng.integers(10, 45, n) * MINUTE, resolve)
    linked = t["outage"] >= 0
    # A short period can hold no outage at all: nothing to index then.
    outage_end = (
        np.where(linked, events.end[np.maximum(t["outage"], 0)], 0) if len(events.end) else np.zeros(n, np.int64)
    )
    inquiry = np.where(
        linked,
        np.maximum(outage_end + rng.integers(0, 45, n) * MINUTE, dispatch + 2 * MINUTE),
        dispatch + _lognormal_s(rng, 30 * MINUTE, 0.8, n) + MINUTE,
    )
    resolve = np.where(is_["outage_inquiry"], inquiry, resolve)
    resolve = np.where(is_["service_application"], _office_hours(rng, arrive + rng.integers(1, 10, n) * DAY), resolve)
    resolve = np.where(is_["complaint"], dispatch + _lognormal_s(rng, 30 * HOUR, 0.7, n) + MINUTE, resolve)
    resolve = np.where(is_["preventive_maintenance"], arrive + rng.integers(1, 6, n) * HOUR, resolve)

    # Reopened: the fault comes back or the customer rejects the answer, one to three evenings later; the
    # ticket goes back to dispatched and the crew returns the next morning, so a file shows each state.
    reopened = deviation == DEVIATIONS.index("reopened")
    evening = resolve // DAY * DAY + rng.integers(1, 4, n) * DAY + 17 * HOUR + rng.integers(0, 5 * HOUR, n)
    reopen = np.where(reopened, evening, NEVER)
    arrive2 = np.where(reopened, reopen // DAY * DAY + DAY + 8 * HOUR + rng.integers(0, 3 * HOUR, n), NEVER)
    resolve2 = np.where(reopened, arrive2 + _lognormal_s(rng, 60 * MINUTE, 0.7, n), NEVER)
    final_resolve = np.where(reopen < NEVER, resolve2, resolve)

    missed = is_["fault_repair"] & visit & (arrive - created > COMMITMENT_MIN[area] * MINUTE)
    base = np.select([is_["praise_suggestion"], is_["complaint"], is_["outage_inquiry"]], [4.9, 3.0, 4.0], 4.5)
    slow = final_resolve - created > 2 * DAY
    score = base - 1.7 * missed - 1.0 * (reopen < NEVER) - 0.6 * slow + 0.6 * rng.standard_normal(n)
    satisfaction = np.clip(np.rint(score), 1, 5).astype(np.int8)

    district = world.customers.district[t["customer"]]
    pools = world.workers.on_duty_by_district
    pool = np.concatenate(pools)
    pool_size = np.array([len(p) for p in pools])
    pool_start = np.cumsum(pool_size) - pool_size
    worker = pool[pool_start[district] + rng.integers(0, 1 << 30, n) % pool_size[district]]
    worker = np.where(visit | is_["fault_repair"], worker, -1)
    return {
        "dispatch": dispatch,
        "arrive": arrive,
        "resolve": resolve,
        "reopen": reopen,
        "arrive2": arrive2,
        "resolve2": resolve2,
        "missed_commitment": missed,
        "satisfaction": satisfaction,
        "worker": worker,
    }


def _process(seed: int, world: World, events: Events, t: dict, day: dt.date, stream: str = "tickets") -> dict:
    """The whole lifecycle of a day's new tickets: designed deviation, true times, recorded times, callbacks.

    Each part draws from a stream of its own, so changing one leaves the others' values as they were.
    """
    deviation = designed_deviations(rng_for(seed, f"{stream}.deviations", day), t["ticket_type"])
    life = _lifecycle(t["rng"], world, events, t, deviation)
    recorded = recorded_times(rng_for(seed, f"{stream}.recorded", day), life, deviation)
    calls = callbacks(rng_for(seed, f"{stream}.callbacks", day), life, recorded, deviation, t["ticket_type"])
    return {**life, **recorded, **calls, "deviation": deviation}


def _follow_up_tickets(seed: int, world: World, i: int, customers: np.ndarray, created: np.ndarray) -> dict:
    """The complaint tickets `FollowUpComplaints` has due on day number `i`, in `_new_tickets`' shape.

    Drawn from a stream of their own, so the day's other tickets keep every simulated value.
    """
    rng = rng_for(seed, "complaints.tickets", world.start + dt.timedelta(days=i))
    area = world.customers.area[customers]
    channel = (rng.random(len(customers))[:, None] > _CHANNEL_MIX.cumsum(axis=1)[area]).sum(axis=1)
    return {
        "customer": customers,
        "ticket_type": np.full(len(customers), T["complaint"], dtype=np.int8),
        "channel": channel.astype(np.int8),
        "created": created,
        "outage": np.full(len(customers), -1, dtype=np.int64),
        "rng": rng,
    }


def _day_frame(world: World, i: int, t: dict, life: dict) -> pl.DataFrame:
    """One day's simulated tickets as a frame, with their descriptions."""
    c = world.customers
    day = world.start + dt.timedelta(days=i)
    types = [TICKET_TYPES[k] for k in t["ticket_type"]]
    transformer = world.transformers.ids.gather(world.transformer_of[t["customer"]]).to_list()
    descriptions = compose_descriptions(
        t["rng"],
        types,
        c.address.gather(t["customer"]).to_list(),
        c.phone.gather(t["customer"]).to_list(),
        transformer,
        np.full(len(types), day.month),
    )
    columns = {k: v for k, v in t.items() if k != "rng"}
    # A day without tickets has no descriptions; the dtype keeps its empty frame stackable.
    return pl.DataFrame({**columns, **life, "description": pl.Series(descriptions, dtype=pl.Utf8)})


def simulate_tickets(seed: int, world: World, events: Events, weather: Weather) -> Tickets:
    """Every ticket created in the period, ordered by creation time, with its whole lifecycle."""
    calendar = holiday_calendar(world.start, world.end)["is_holiday"].to_list()
    parts = []
    follow_ups = FollowUpComplaints(seed, world, events, T)
    for i in range(world.days):
        t = _new_tickets(seed, world, events, weather, i, calendar[i])
        day = world.start + dt.timedelta(days=i)
        life = _process(seed, world, events, t, day)
        follow_ups.record(i, t, life)
        parts.append(_day_frame(world, i, t, life))
        complaints = _follow_up_tickets(seed, world, i, *follow_ups.due(i, world.customers.opened <= i))
        if len(complaints["customer"]):
            life = _process(seed, world, events, complaints, day, stream="complaints")
            follow_ups.record(i, complaints, life)
            parts.append(_day_frame(world, i, complaints, life))
    frame = pl.concat(parts)
    last = epoch_seconds(world.end) + DAY
    frame = frame.filter(pl.col("created") < last).sort("created", maintain_order=True)
    day = (pl.col("created") // DAY) * DAY
    frame = frame.with_columns(
        (
            pl.lit("TK")
            + pl.from_epoch(day, time_unit="s").dt.strftime("%Y%m%d")
            + (pl.int_range(pl.len()).over(day) + 1).cast(pl.Utf8).str.zfill(5)
        ).alias("ticket_id")
    )
    return Tickets(frame)


def _when(t: pl.Expr, end: pl.Expr) -> pl.Expr:
    return pl.when(t < end).then(t)


def ticket_snapshots(tickets: Tickets, world: World) -> pl.DataFrame:
    """Rows of the daily ticket files: (file day, ticket) with the state at the end of that day.

    A ticket appears on its creation day and again on every later day on which it changes (dispatched,
    arrived, resolved, called back and closed, reopened); the latest file carries its current state.
    """
    f = tickets.frame
    first = epoch_seconds(world.start)
    changes = ["created", "dispatch", "arrive", "resolve", "callback", "reopen", "arrive2", "resolve2", "callback2"]
    days = (
        f.select(pl.int_range(pl.len()).alias("row"), pl.concat_list(changes).alias("t"))
        .explode("t")
        .filter(pl.col("t") < NEVER)
        .select("row", ((pl.col("t") - first) // DAY).alias("day"))
        .filter(pl.col("day") < world.days)
        .unique()
        .sort("day", "row")
    )
    s = days.join(f.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64)), on="row", how="left")
    end = first + (pl.col("day") + 1) * DAY
    phase2 = pl.col("reopen") < end
    # Closed (归档) at the callback; the rating is given at the last callback. After a reopening the CRM
    # keeps showing the first callback until the second one.
    closed = pl.when(phase2).then(pl.col("callback2") < end).otherwise(pl.col("callback") < end)
    last_callback = pl.when(pl.col("reopen") < NEVER).then(pl.col("callback2")).otherwise(pl.col("callback"))
    resolved = pl.when(phase2).then(pl.col("resolve2") < end).otherwise(pl.col("resolve") < end)
    dispatched = phase2 | (pl.col("dispatch") < end)
    c = world.customers
    s = s.with_columns(
        dispatched_at=pl.when(phase2)
        .then(pl.col("reopen"))
        .otherwise(pl.when(pl.col("dispatch") < end).then(_when(pl.col("dispatch_rec"), pl.lit(NEVER)))),
        arrived_at=pl.when(phase2)
        .then(_when(pl.col("arrive2"), end))
        .otherwise(pl.when(pl.col("arrive") < end).then(_when(pl.col("arrive_rec"), pl.lit(NEVER)))),
        resolved_at=pl.when(phase2)
        .then(_when(pl.col("resolve2"), end))
        .otherwise(pl.when(pl.col("resolve") < end).then(pl.col("resolve_rec"))),
        status=pl.when(closed)
        .then(pl.lit("closed"))
        .when(resolved)
        .then(pl.lit("resolved"))
        .when(dispatched)
        .then(pl.lit("dispatched"))
        .otherwise(pl.lit("open")),
        worker=pl.when(dispatched & (pl.col("worker") >= 0)).then(pl.col("worker")),
        satisfaction=pl.when(pl.col("rated") & (last_callback < end)).then(pl.col("satisfaction")),
        callback_at=pl.when(phase2 & (pl.col("callback2") < end))
        .then(pl.col("callback2"))
        .when(pl.col("callback") < end)
        .then(pl.col("callback")),
    )

    def stamp(col: str) -> pl.Expr:
        return pl.from_epoch(pl.col(col), time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S")

    return s.select(
        pl.col("day"),
        pl.col("ticket_id"),
        pl.lit(c.ids).gather(pl.col("customer")).alias("customer_id"),
        pl.lit(pl.Series(CHANNELS)).gather(pl.col("channel")).alias("channel"),
        pl.lit(pl.Series(TICKET_TYPES)).gather(pl.col("ticket_type")).alias("ticket_type"),
        stamp("created").alias("created_at"),
        stamp("dispatched_at"),
        stamp("arrived_at"),
        stamp("resolved_at"),
        pl.col("status"),
        pl.lit(world.workers.frame["worker_id"]).gather(pl.col("worker")).alias("worker_id"),
        pl.col("satisfaction").cast(pl.Int64),
        pl.when(pl.col("description") != "").then(pl.col("description")).alias("description"),
        stamp("callback_at"),
    )
