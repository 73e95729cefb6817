"""Complaints that follow service failures (投诉): who complains, and when, after the utility let them down.

Besides the background complaints of `tickets` (any customer, any day) and the habitual complainers, a
customer may complain days after a failure they lived through: a repair crew that missed its arrival
commitment, a repair that had to be reopened, a request left unresolved for days, a bad experience they
rated 1 or 2, a third fault call within two weeks, a long outage on their transformer. Each failure leads to a
complaint only with a modest probability and after a random delay (1 day to ~4 weeks), so a complaint early
warning model can learn who is at risk without the outcome being written in the features: most failures
never lead to a complaint and many complaints follow no failure at all.

Drawn from streams of their own (`complaints`, `complaints.<day>`), so every other simulated value stays as
it was; the complaint tickets' lifecycle is simulated by `tickets` like any other ticket's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np

from .events import DAY, HOUR, Events
from .randomness import rng_for
from .world import World

# Probability that one failure leads the customer to complain (the rest shrug it off).
P_MISSED_COMMITMENT = 0.40
P_REOPENED = 0.35
P_SLOW = 0.06  # resolved more than two days after the call
P_UNSATISFIED = 0.15  # rated 1 or 2
P_REPEAT_CALL = 0.20  # a third fault or outage call within 14 days
P_LONG_OUTAGE = 0.08  # unplanned outage of more than 6 hours, per customer of the transformer
P_PLANNED_OUTAGE = 0.005
LONG_OUTAGE_S = 6 * HOUR
REPEAT_WINDOW_S = 14 * DAY
MEAN_DELAY_DAYS = 6.0
MAX_DELAY_DAYS = 28


def _delays(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds from the failure to the complaint: a day or more, usually within two weeks."""
    days = 1 + np.minimum(rng.exponential(MEAN_DELAY_DAYS - 1, n), MAX_DELAY_DAYS - 1)
    return (days * DAY).astype(np.int64) + rng.integers(8 * HOUR, 21 * HOUR, n) - 12 * HOUR


class FollowUpComplaints:
    """The complaints still to come, by day number, from the failures simulated so far."""

    def __init__(self, seed: int, world: World, events: Events, ticket_types: dict[str, int]) -> None:
        """Plan the complaints after long outages (known for the whole period) and keep the ticket codes."""
        self.seed, self.world, self.T = seed, world, ticket_types
        self.first = (world.start - dt.date(1970, 1, 1)).days * DAY
        self.pending: dict[int, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
        # Time of each customer's last two fault or outage calls, for the repeat-call trigger.
        self.calls = np.full((len(world.customers), 2), -REPEAT_WINDOW_S * 10, dtype=np.int64)
        rng = rng_for(seed, "complaints")
        duration = events.end - events.start
        planned = events.cause == 3
        for k in np.flatnonzero((duration > LONG_OUTAGE_S) | planned):
            members = world.members(int(events.transformer[k]))
            chance = P_PLANNED_OUTAGE if planned[k] else P_LONG_OUTAGE
            who = members[rng.random(len(members)) < chance]
            self._schedule(who, events.end[k] + _delays(rng, len(who)))

    def _schedule(self, customers: np.ndarray, at: np.ndarray) -> None:
        day = (at - self.first) // DAY
        for d in np.unique(day):
            sel = day == d
            self.pending[int(d)].append((customers[sel], at[sel]))

    def record(self, day_no: int, t: dict, life: dict) -> None:
        """Schedule the complaints that the failures among the tickets created on `day_no` will cause."""
        rng = rng_for(self.seed, "complaints", self.world.start + dt.timedelta(days=day_no))
        n, tt, created = len(t["customer"]), t["ticket_type"], t["created"]
        never = np.iinfo(np.int64).max // 2
        calls = np.isin(tt, [self.T["fault_repair"], self.T["outage_inquiry"]])
        repeat = np.zeros(n, dtype=bool)
        for row in np.flatnonzero(calls):  # in creation order within the day is not needed: a day's calls are few
            customer = t["customer"][row]
            repeat[row] = created[row] - self.calls[customer, 0] < REPEAT_WINDOW_S
            self.calls[customer] = (self.calls[customer, 1], created[row])
        slow = np.isin(tt, [self.T["fault_repair"], self.T["service_application"]]) & (
            np.minimum(life["resolve"], never) - created > 2 * DAY
        )
        # Only a rating given at the callback (参评) is seen as one; an unrated ticket is no signal.
        unsatisfied = life["rated"] & (life["satisfaction"] > 0) & (life["satisfaction"] <= 2)
        failures = (
            (life["missed_commitment"], P_MISSED_COMMITMENT, life["arrive"]),
            (life["reopen"] < never, P_REOPENED, life["reopen"]),
            (slow, P_SLOW, created + 2 * DAY),
            (unsatisfied, P_UNSATISFIED, np.minimum(life["callback"], created + 3 * DAY)),
            (repeat, P_REPEAT_CALL, created),
        )
        for happened, chance, when in failures:
            who = np.flatnonzero(happened & (rng.random(n) < chance))
            self._schedule(
                t["customer"][who], np.minimum(when[who], never - MAX_DELAY_DAYS * DAY) + _delays(rng, len(who))
            )

    def due(self, day_no: int, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(customers, created times) of the complaints filed on `day_no` by customers `active` then."""
        batches = self.pending.pop(day_no, [])
        if not batches:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        customers = np.concatenate([b[0] for b in batches]).astype(np.int64)
        at = np.concatenate([b[1] for b in batches]).astype(np.int64)
        keep = active[customers]
        return customers[keep], at[keep]
