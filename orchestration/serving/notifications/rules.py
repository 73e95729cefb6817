"""From candidate notices to the messages sent: the customer's wishes and the service rules, as pure functions.

A `Candidate` is one thing worth telling one customer (an outage on their transformer, this month's high bill,
a repair step). `decide` turns tonight's candidates into `Notification`s:

1. a candidate already told (its `stage` covered by an earlier message, even one that expired unsent: old news
   is not sent late) is dropped — re-runs add nothing;
2. a refused kind is dropped, unless it is about safety (outages: domain.notices.SAFETY_KINDS);
3. tariff advice within 90 days of the last is dropped;
4. candidates of one customer and one event (`group`) merge into one message;
5. service messages beyond 3 per customer in 7 days (earlier messages included) wait for a later night;
6. each message gets the first moment outside the customer's quiet hours, except an outage under way, and
   the moment after which it must not go out (`send_before`, domain.notices.send_before): its primary kind's,
   the newest news merged in deciding.

Times are Beijing local time, naive like the data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from domain.notices import (
    CAP_WINDOW_DAYS,
    DEFAULT_CHANNEL,
    DEFAULT_QUIET_END_HOUR,
    DEFAULT_QUIET_START_HOUR,
    HIGH_BILL,
    KINDS,
    OUTAGE,
    PLANNED_OUTAGE,
    REPAIR_PROGRESS,
    RESTORED,
    SAFETY_KINDS,
    TARIFF_ADVICE,
    TARIFF_ADVICE_EVERY_DAYS,
    WEEKLY_CAP,
)

# Which kind a merged message is, the first present winning: a restored notice tells the outage too, a
# high-bill alert carries the tariff advice as its suggestion.
PRIMARY_ORDER = (RESTORED, OUTAGE, PLANNED_OUTAGE, HIGH_BILL, REPAIR_PROGRESS, TARIFF_ADVICE)
# Which service messages go first when the weekly cap leaves room for fewer: the customer's own repair, then
# money they are about to spend, then money they could save.
CAP_PRIORITY = (REPAIR_PROGRESS, HIGH_BILL, TARIFF_ADVICE)


@dataclass(frozen=True)
class Preference:
    """A customer's wishes (staging.stg_crm__notification_preferences), or the defaults without a row."""

    channel: str = DEFAULT_CHANNEL
    opted_out: frozenset[str] = frozenset()
    quiet_start_hour: int = DEFAULT_QUIET_START_HOUR
    quiet_end_hour: int = DEFAULT_QUIET_END_HOUR


DEFAULT_PREFERENCE = Preference()


def is_quiet(hour: int, start: int, end: int) -> bool:
    """Whether local `hour` falls in the quiet hours [start, end), which may wrap midnight; start == end: none."""
    if start == end:
        return False
    return start <= hour < end if start < end else hour >= start or hour < end


def first_decent_moment(at: dt.datetime, pref: Preference) -> dt.datetime:
    """`at` itself outside the quiet hours, else the hour they end (that day or the next)."""
    if not is_quiet(at.hour, pref.quiet_start_hour, pref.quiet_end_hour):
        return at
    end = at.replace(hour=pref.quiet_end_hour, minute=0, second=0, microsecond=0)
    return end if end > at else end + dt.timedelta(days=1)


@dataclass(frozen=True)
class Candidate:
    """One thing to tell one customer; `stage` is told at most once per customer, ever."""

    customer_id: str
    kind: str
    group: str  # the event: candidates of one customer and group become one message
    stage: str  # e.g. "outage:F00012", "repair_progress:TK1:arrived", "high_bill:2026-10"
    at: dt.datetime  # when it happened (an outage, a repair step) or was found (a bill, an advice)
    facts: Mapping = field(default_factory=dict, compare=False)
    urgent: bool = False  # an outage under way: sent at any hour
    send_before: dt.datetime | None = None  # not after (domain.notices.send_before)


@dataclass(frozen=True)
class Sent:
    """A message of an earlier night, as far as the rules need it."""

    customer_id: str
    kind: str
    covers: tuple[str, ...]
    as_of: dt.datetime  # the night it was built for
    expired: bool = False  # never sent (past its send_before): its stages stay told, but it used no allowance


@dataclass(frozen=True)
class Notification:
    """One message to one customer: the row of serving.notifications and the gateway's request body."""

    notification_id: str
    customer_id: str
    kind: str
    kinds: tuple[str, ...]  # every kind merged into it, primary first
    channel: str
    event_key: str
    covers: tuple[str, ...]
    candidates: tuple[Candidate, ...]  # what it tells (text is rendered from them)
    event_at: dt.datetime
    as_of: dt.datetime
    send_after: dt.datetime
    send_before: dt.datetime | None  # not after: past it a held message expires (None: rows from before the rule)
    is_urgent: bool
    quiet_start_hour: int
    quiet_end_hour: int
    text: str = ""

    @property
    def is_safety(self) -> bool:
        return self.kind in SAFETY_KINDS

    # -- as an outbox item (orchestration.serving.outbox) -----------------------------------------
    @property
    def external_id(self) -> str:
        return self.notification_id

    @property
    def subject_id(self) -> str:
        return self.event_key

    def payload(self) -> dict:
        """The gateway's request body as stored: no address, which delivery adds in memory for SMS."""
        return {
            "notification_id": self.notification_id,
            "customer_id": self.customer_id,
            "channel": self.channel,
            "kind": self.kind,
            "kinds": list(self.kinds),
            "event_key": self.event_key,
            "text": self.text,
        }

    def outbox_values(self) -> dict:
        """The columns serving.notifications keeps beside the delivery state."""
        return {
            "customer_id": self.customer_id,
            "channel": self.channel,
            "kinds": " ".join(self.kinds),
            "event_key": self.event_key,
            "covers": " ".join(self.covers),
            "text": self.text,
            "event_at": self.event_at,
            "as_of": self.as_of,
            "send_after": self.send_after,
            "send_before": self.send_before,
            "is_urgent": self.is_urgent,
            "quiet_start_hour": self.quiet_start_hour,
            "quiet_end_hour": self.quiet_end_hour,
        }


def notification_id(customer_id: str, covers: Iterable[str]) -> str:
    """Stable id of a message: the same customer told the same things gives the same id in every run."""
    digest = hashlib.sha256("|".join([customer_id, *sorted(covers)]).encode()).hexdigest()
    return f"nt-{digest[:32]}"


@dataclass
class Decision:
    """The messages of one night and what was left out, counted by reason (asset metadata)."""

    notifications: list[Notification]
    candidates: int = 0
    already_sent: int = 0
    opted_out: dict[str, int] = field(default_factory=dict)  # kind -> candidates refused
    advice_too_recent: int = 0
    merged: int = 0  # candidates folded into another's message
    capped: int = 0  # service messages held back by the weekly cap (a later night may send them)


def _primary(kinds: Iterable[str]) -> str:
    present = set(kinds)
    return next(k for k in PRIMARY_ORDER if k in present)


def decide(
    candidates: Iterable[Candidate],
    preferences: Mapping[str, Preference],
    history: Iterable[Sent],
    now: dt.datetime,
) -> Decision:
    """Tonight's messages from tonight's candidates, the customers' wishes and what was sent before (`history`)."""
    history = list(history)
    told = {(h.customer_id, s) for h in history for s in h.covers}
    advice_since = now - dt.timedelta(days=TARIFF_ADVICE_EVERY_DAYS)
    advised = {
        h.customer_id
        for h in history
        if not h.expired and h.as_of > advice_since and any(s.startswith(TARIFF_ADVICE + ":") for s in h.covers)
    }
    cap_since = now - dt.timedelta(days=CAP_WINDOW_DAYS)
    recent_service: dict[str, int] = {}
    for h in history:
        if h.kind not in SAFETY_KINDS and not h.expired and cap_since < h.as_of <= now:
            recent_service[h.customer_id] = recent_service.get(h.customer_id, 0) + 1

    decision = Decision(notifications=[])
    groups: dict[tuple[str, str], list[Candidate]] = {}
    seen: set[tuple[str, str]] = set()
    for c in candidates:
        if c.kind not in KINDS:
            raise ValueError(f"unknown notice kind {c.kind!r}")
        if (c.customer_id, c.stage) in seen:  # two rules found the same thing: once is enough
            continue
        seen.add((c.customer_id, c.stage))
        decision.candidates += 1
        pref = preferences.get(c.customer_id, DEFAULT_PREFERENCE)
        if (c.customer_id, c.stage) in told:
            decision.already_sent += 1
        elif c.kind not in SAFETY_KINDS and c.kind in pref.opted_out:
            decision.opted_out[c.kind] = decision.opted_out.get(c.kind, 0) + 1
        elif c.kind == TARIFF_ADVICE and c.customer_id in advised:
            decision.advice_too_recent += 1
        else:
            groups.setdefault((c.customer_id, c.group), []).append(c)

    merged: list[Notification] = []
    for (cid, group), members in sorted(groups.items()):
        members.sort(key=lambda c: (PRIMARY_ORDER.index(c.kind), c.at, c.stage))
        decision.merged += len(members) - 1
        pref = preferences.get(cid, DEFAULT_PREFERENCE)
        kinds = tuple(dict.fromkeys(c.kind for c in members))
        primary = _primary(kinds)
        covers = tuple(sorted(c.stage for c in members))
        urgent = any(c.urgent for c in members) and primary == OUTAGE
        event_at = max(c.at for c in members)
        bounds = [c.send_before for c in members if c.kind == primary and c.send_before is not None]
        merged.append(
            Notification(
                notification_id=notification_id(cid, covers),
                customer_id=cid,
                kind=primary,
                kinds=(primary, *(k for k in kinds if k != primary)),
                channel=pref.channel,
                event_key=group,
                covers=covers,
                candidates=tuple(members),
                event_at=event_at,
                as_of=now,
                send_after=now if urgent else first_decent_moment(now, pref),
                send_before=max(bounds, default=None),
                is_urgent=urgent,
                quiet_start_hour=pref.quiet_start_hour,
                quiet_end_hour=pref.quiet_end_hour,
            )
        )

    # The weekly cap counts service messages only; the most useful go first, older events before newer.
    room = {cid: WEEKLY_CAP - n for cid, n in recent_service.items()}
    ordered = sorted(
        merged,
        key=lambda n: (n.is_safety, CAP_PRIORITY.index(n.kind) if not n.is_safety else 0, n.event_at, n.event_key),
    )
    for n in ordered:
        if not n.is_safety:
            left = room.get(n.customer_id, WEEKLY_CAP)
            if left <= 0:
                decision.capped += 1
                continue
            room[n.customer_id] = left - 1
        decision.notifications.append(n)
    decision.notifications.sort(key=lambda n: (n.customer_id, n.event_at, n.notification_id))
    return decision
