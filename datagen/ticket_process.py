"""The ticket lifecycle against the service processes (docs/process/): designed deviations, recorded
times, callbacks and ratings, and the list of deviations the delivered files show (for the manifest).

Kept apart from tickets.py (who files which ticket when): this module decides how a ticket moves through
its process and where it departs from the standard path, each part from a random stream of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from orchestration.ingestion.contract import TICKET_TYPES

from .events import DAY, epoch_seconds

if TYPE_CHECKING:
    from .tickets import Tickets
    from .world import World

MINUTE = 60
NEVER = np.iinfo(np.int64).max // 2  # "has not happened": compares later than any real time
T = {name: i for i, name in enumerate(TICKET_TYPES)}

# The designed process deviations (exclusive: a ticket has at most one), with their share among the tickets
# they can happen to; docs/process/README.md names the deviation each becomes. Preventive maintenance has no
# process and none of them.
DEVIATIONS = (
    "dispatch_unrecorded",  # a crew sent by phone, the dispatch never entered: skipped_step:dispatch
    "arrival_unrecorded",  # the crew forgot to tap "arrived": resolved_without_arrival / resolved_without_visit
    "remote_fix",  # a repair talked through on the phone (breaker reset), no one went: resolved_without_arrival
    "arrival_skewed",  # a tablet clock off: arrival stamped before the dispatch: out_of_order:arrive / visit
    "resolve_early",  # resolution stamped before the arrival: out_of_order:resolve (fault repairs)
    "reopened",  # the fault came back or the customer rejected the answer: reopened
    "callback_late",  # called back more than 24 h after resolution: callback_late:callback
    "callback_missing",  # never called back: callback_missing:callback
)
_DEVIATION_SHARE = {
    "dispatch_unrecorded": 0.02,
    "arrival_unrecorded": 0.05,
    "remote_fix": 0.03,
    "arrival_skewed": 0.015,
    "resolve_early": 0.005,
    "reopened": 0.04,
    "callback_late": 0.03,
    "callback_missing": 0.02,
}
RATED_SHARE = 0.75  # customers who give a rating when called back (参评)
CALLBACK_COMMITMENT = DAY  # the callback commitment of docs/process/*.bpmn (1440 minutes)


def designed_deviations(rng: np.random.Generator, ticket_type: np.ndarray) -> np.ndarray:
    """The designed deviation of each new ticket: an index into DEVIATIONS, or -1 for the standard path."""
    n = len(ticket_type)
    is_ = {name: ticket_type == code for name, code in T.items()}
    governed = ~is_["preventive_maintenance"]
    visit = is_["fault_repair"] | is_["service_application"]
    applies = {
        "dispatch_unrecorded": governed,
        "arrival_unrecorded": visit,
        "remote_fix": is_["fault_repair"],
        "arrival_skewed": visit,
        "resolve_early": is_["fault_repair"],
        "reopened": is_["fault_repair"] | is_["complaint"],
        "callback_late": governed,
        "callback_missing": governed,
    }
    shares = np.stack([np.where(applies[d], _DEVIATION_SHARE[d], 0.0) for d in DEVIATIONS], axis=1)
    u = rng.random(n)
    cumulative = np.cumsum(shares, axis=1)
    chosen = (u[:, None] >= cumulative).sum(axis=1)
    return np.where(chosen < len(DEVIATIONS), chosen, -1).astype(np.int8)


def recorded_times(rng: np.random.Generator, life: dict, deviation: np.ndarray) -> dict:
    """What the CRM shows instead of the truth, for the designed deviations of the recorded steps."""
    n = len(deviation)
    is_ = {d: deviation == DEVIATIONS.index(d) for d in DEVIATIONS}
    dispatch_rec = np.where(is_["dispatch_unrecorded"], NEVER, life["dispatch"])
    arrive_rec = np.where(is_["arrival_unrecorded"], NEVER, life["arrive"])
    arrive_rec = np.where(is_["arrival_skewed"], life["dispatch"] - rng.integers(5, 40, n) * MINUTE, arrive_rec)
    resolve_rec = np.where(is_["resolve_early"], life["arrive"] - rng.integers(5, 30, n) * MINUTE, life["resolve"])
    return {"dispatch_rec": dispatch_rec, "arrive_rec": arrive_rec, "resolve_rec": resolve_rec}


def callbacks(
    rng: np.random.Generator, life: dict, recorded: dict, deviation: np.ndarray, ticket_type: np.ndarray
) -> dict:
    """The callback (回访) after resolution, within the 24-hour commitment unless designed late or missing;
    the customer rates the ticket (参评) at the last callback or not at all.

    A reopened ticket is called back after each resolution, the first time before it is reopened. Times
    are counted from the recorded resolution, which the platform measures from.
    """
    n = len(deviation)
    governed = ticket_type != T["preventive_maintenance"]
    on_time = life["resolve"] + rng.integers(30, 18 * 60, n) * MINUTE
    late = recorded["resolve_rec"] + rng.integers(25 * 60, 72 * 60, n) * MINUTE
    callback = np.where(deviation == DEVIATIONS.index("callback_late"), late, on_time)
    callback = np.where(life["reopen"] < NEVER, np.minimum(callback, life["reopen"] - 30 * MINUTE), callback)
    callback = np.where((deviation == DEVIATIONS.index("callback_missing")) | ~governed, NEVER, callback)
    callback2 = np.where(life["reopen"] < NEVER, life["resolve2"] + rng.integers(30, 18 * 60, n) * MINUTE, NEVER)
    rated = (callback < NEVER) & (rng.random(n) < RATED_SHARE)
    return {"callback": callback, "callback2": callback2, "rated": rated}


# The deviation each designed one shows as in the process marts (docs/process/README.md), per ticket type
# where the step differs.
_SHOWN_AS = {
    "dispatch_unrecorded": {"*": "skipped_step:dispatch"},
    "arrival_unrecorded": {
        "fault_repair": "resolved_without_arrival:arrive",
        "service_application": "resolved_without_visit:visit",
    },
    "remote_fix": {"fault_repair": "resolved_without_arrival:arrive"},
    "arrival_skewed": {"fault_repair": "out_of_order:arrive", "service_application": "out_of_order:visit"},
    "resolve_early": {"fault_repair": "out_of_order:resolve"},
    "reopened": {"*": "reopened"},
    "callback_late": {"*": "callback_late:callback"},
    "callback_missing": {"*": "callback_missing:callback"},
}


def designed_process_deviations(tickets: Tickets, world: World, snapshots: pl.DataFrame) -> pl.DataFrame:
    """(ticket_id, designed, deviation) for every designed deviation the delivered files show by the end.

    A deviation shows once the step that reveals it is delivered before the period ends: a skipped step
    once a later step is reached, an early resolution once resolved, a reopening once reopened. A late
    callback not made by the end shows as missing; a missing callback shows once its 24 hours ran out
    before the end, and only for tickets delivered on or after the first day a file carries a callback
    (before that the platform cannot tell missing from unknown).
    """
    f = tickets.frame
    end = epoch_seconds(world.start) + world.days * DAY
    known_since = snapshots.filter(pl.col("callback_at").is_not_null())["day"].min()
    last_day = snapshots.group_by("ticket_id").agg(pl.col("day").max().alias("last_day"))
    f = f.join(last_day, on="ticket_id", how="left").filter(pl.col("deviation") >= 0)
    designed = pl.lit(pl.Series(DEVIATIONS)).gather(pl.col("deviation"))
    first_later_step = pl.min_horizontal(pl.col("arrive"), pl.col("resolve"))
    overdue = (
        (end - pl.col("resolve_rec") > CALLBACK_COMMITMENT)
        & (pl.col("resolve") < end)
        & (pl.col("last_day") >= (known_since if known_since is not None else world.days))
    )
    f = f.with_columns(
        designed.alias("designed"), pl.lit(pl.Series(TICKET_TYPES)).gather(pl.col("ticket_type")).alias("type")
    )
    shown = pl.when(pl.col("designed") == "callback_late").then(
        pl.when(pl.col("callback") < end)
        .then(pl.lit("callback_late:callback"))
        .when(overdue)
        .then(pl.lit("callback_missing:callback"))
    )
    shown = shown.when(pl.col("designed") == "callback_missing").then(
        pl.when(overdue).then(pl.lit("callback_missing:callback"))
    )
    visible = (
        pl.when(pl.col("designed") == "dispatch_unrecorded")
        .then(first_later_step < end)
        .when(pl.col("designed") == "arrival_skewed")
        .then(pl.col("arrive") < end)
        .when(pl.col("designed") == "reopened")
        .then(pl.col("reopen") < end)
        .otherwise(pl.col("resolve") < end)
    )
    label = pl.col("designed").replace_strict({d: m["*"] for d, m in _SHOWN_AS.items() if "*" in m}, default=None)
    for d, by_type in _SHOWN_AS.items():
        for ticket_type, name in by_type.items():
            if ticket_type != "*":
                label = (
                    pl.when((pl.col("designed") == d) & (pl.col("type") == ticket_type))
                    .then(pl.lit(name))
                    .otherwise(label)
                )
    shown = shown.when(visible).then(label)
    return (
        f.select("ticket_id", "designed", shown.alias("deviation"))
        .filter(pl.col("deviation").is_not_null())
        .sort("ticket_id")
    )
