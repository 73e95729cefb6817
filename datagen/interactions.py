"""Customer messages from every channel: who wrote when, about what, and (at write time) the text.

Most tickets start with a message (the customer's WeChat line, app form or IVR call); some customers chase
their request within days (same intent), switch from an unanswered WeChat message to a phone call, or thank
the crew afterwards. Independent inquiries (balance, tariffs) come on top. The agent's intent label is
missing for ~30 % and wrong for a few percent; ~10 % of messages cannot be tied to a customer, though an
IVR caller's number often can.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from domain.codes import CHANNELS, INTENTS

from . import identity
from .events import DAY, HOUR, epoch_seconds
from .randomness import rng_for
from .texts import KIND_FIRST, KIND_FOLLOW_UP, KIND_SWITCH, KIND_THANKS, compose_messages
from .tickets import MINUTE, T, Tickets
from .world import World

STANDALONE_RATE = 0.008  # messages per customer and day that do not become a ticket
_STANDALONE_MIX = np.array([0.30, 0.25, 0.08, 0.08, 0.10, 0.10, 0.04, 0.05])  # in INTENTS order
_CHANNEL_MIX = np.array([[0.35, 0.40, 0.22, 0.03], [0.25, 0.35, 0.35, 0.05], [0.15, 0.30, 0.45, 0.10]])
_FIRST_CONTACT_SHARE = np.array([0.9, 0.95, 0.97, 0.25])  # per ticket channel: counter visits are rarely logged
FOLLOW_UP_SHARE = 0.18
SWITCH_SHARE = 0.12
THANKS_SHARE = 0.04
ANONYMOUS_SHARE = 0.10
UNLABELLED_SHARE = 0.30
MISLABELLED_SHARE = 0.03
# Phone shown with the message: none, the customer's registered number, or a number unknown to the CIS.
PHONE_NONE, PHONE_OWN, PHONE_UNKNOWN = 0, 1, 2
_IVR, _WECHAT = CHANNELS.index("ivr"), CHANNELS.index("wechat")


def _take(mask: np.ndarray, **columns: np.ndarray) -> dict[str, np.ndarray]:
    return {k: np.asarray(v)[mask] for k, v in columns.items()}


def _day_messages(seed: int, world: World, tickets: pl.DataFrame, i: int) -> dict[str, np.ndarray]:
    """Messages caused by the tickets created on day number `i`, plus that day's independent inquiries."""
    day = world.start + dt.timedelta(days=i)
    rng = rng_for(seed, "interactions", day)
    c = world.customers
    n = tickets.height
    tt = tickets["ticket_type"].to_numpy()
    channel = tickets["channel"].to_numpy().astype(np.int64)
    created = tickets["created"].to_numpy()
    who = tickets["customer"].to_numpy()
    row = tickets["row"].to_numpy()
    intent = np.minimum(tt, len(INTENTS) - 1)  # only preventive maintenance lies outside INTENTS; it is excluded
    by_customer = tt != T["preventive_maintenance"]
    batches = [
        _take(
            by_customer & (rng.random(n) < _FIRST_CONTACT_SHARE[channel]),
            ts=created - rng.integers(30, 8 * MINUTE, n),
            customer=who,
            channel=channel,
            intent=intent,
            kind=np.full(n, KIND_FIRST),
            ticket=row,
        ),
        _take(
            np.isin(tt, [T["fault_repair"], T["outage_inquiry"], T["complaint"], T["service_application"]])
            & (rng.random(n) < FOLLOW_UP_SHARE),
            ts=created + rng.integers(30 * MINUTE, 3 * DAY, n),
            customer=who,
            channel=np.where(rng.random(n) < 0.7, channel, rng.integers(0, 3, n)),
            intent=intent,
            kind=np.full(n, KIND_FOLLOW_UP),
            ticket=row,
        ),
        _take(
            by_customer & (channel == _WECHAT) & (rng.random(n) < SWITCH_SHARE),
            ts=created + rng.integers(10 * MINUTE, 24 * HOUR, n),
            customer=who,
            channel=np.full(n, _IVR),
            intent=intent,
            kind=np.full(n, KIND_SWITCH),
            ticket=row,
        ),
        _take(
            np.isin(tt, [T["fault_repair"], T["outage_inquiry"]]) & (rng.random(n) < THANKS_SHARE),
            ts=tickets["resolve"].to_numpy() + rng.integers(5 * MINUTE, 6 * HOUR, n),
            customer=who,
            channel=rng.integers(0, 2, n),
            intent=np.full(n, INTENTS.index("praise_suggestion")),
            kind=np.full(n, KIND_THANKS),
            ticket=row,
        ),
    ]

    active = np.flatnonzero(c.opened <= i)
    m = rng.poisson(len(active) * STANDALONE_RATE) if len(active) else 0
    asker = active[rng.integers(0, max(len(active), 1), m)]
    topic = rng.choice(len(INTENTS), m, p=_STANDALONE_MIX)
    via = (rng.random(m)[:, None] > _CHANNEL_MIX.cumsum(axis=1)[c.area[asker]]).sum(axis=1)
    ts = epoch_seconds(day) + rng.integers(7 * HOUR, 23 * HOUR, m)
    batches.append(
        dict(ts=ts, customer=asker, channel=via, intent=topic, kind=np.full(m, KIND_FIRST), ticket=np.full(m, -1))
    )
    # Asking again about the same thing within a week (the answer did not help, the bill is still wrong).
    batches.append(
        _take(
            rng.random(m) < 0.10,
            ts=ts + rng.integers(HOUR, 7 * DAY, m),
            customer=asker,
            channel=via,
            intent=topic,
            kind=np.full(m, KIND_FOLLOW_UP),
            ticket=np.full(m, -1),
        )
    )

    out = {k: np.concatenate([b[k] for b in batches]).astype(np.int64) for k in batches[0]}
    for small in ("channel", "intent", "kind"):
        out[small] = out[small].astype(np.int8)  # a year at a million customers is ~4 M messages
    k = len(out["ts"])
    anonymous = rng.random(k) < ANONYMOUS_SHARE
    out["anonymous"] = anonymous
    out["label"] = np.where(rng.random(k) < MISLABELLED_SHARE, rng.integers(0, len(INTENTS), k), out["intent"])
    out["label"] = np.where(rng.random(k) < UNLABELLED_SHARE, -1, out["label"]).astype(np.int8)
    u = rng.random(k)
    ivr, wechat = out["channel"] == _IVR, out["channel"] == _WECHAT
    out["phone_kind"] = np.select(
        # A WeChat account bound to a phone shows it even when the customer did not log in to an account.
        [ivr & (u < np.where(anonymous, 0.5, 0.2)), ivr, wechat & (u < np.where(anonymous, 0.6, 0.8))],
        [PHONE_UNKNOWN, PHONE_OWN, PHONE_OWN],
        PHONE_NONE,
    ).astype(np.int8)
    return out


def simulate_interactions(seed: int, world: World, tickets: Tickets) -> pl.DataFrame:
    """Every message of the period without its text, ordered by time, with its interaction_id."""
    f = tickets.frame.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    first = epoch_seconds(world.start)
    day_of = ((f["created"] - first) // DAY).to_numpy()
    bounds = np.searchsorted(day_of, np.arange(world.days + 1))
    parts = [
        pl.DataFrame(_day_messages(seed, world, f.slice(bounds[i], bounds[i + 1] - bounds[i]), i))
        for i in range(world.days)
    ]
    frame = pl.concat(parts).filter((pl.col("ts") >= first) & (pl.col("ts") < first + world.days * DAY))
    frame = frame.sort("ts", maintain_order=True)
    day = (pl.col("ts") // DAY) * DAY
    return frame.with_columns(
        ((pl.col("ts") - first) // DAY).alias("day"),
        (
            pl.lit("IA")
            + pl.from_epoch(day, time_unit="s").dt.strftime("%Y%m%d")
            + (pl.int_range(pl.len()).over(day) + 1).cast(pl.Utf8).str.zfill(6)
        ).alias("interaction_id"),
    )


def interaction_records(seed: int, world: World, tickets: Tickets, messages: pl.DataFrame, day: dt.date) -> list[dict]:
    """The day's messages as JSON-ready records, texts composed now from the day's own random stream."""
    rng = rng_for(seed, "interactions.text", day)
    n = messages.height
    c = world.customers
    who = messages["customer"].to_numpy()
    anonymous = messages["anonymous"].to_numpy()
    ticket = messages["ticket"].to_numpy()
    worker_row = tickets.frame["worker"].to_numpy()[np.maximum(ticket, 0)] if tickets.frame.height else np.full(n, -1)
    worker_row = np.where(ticket >= 0, worker_row, -1)
    worker_names = world.workers.frame["name"].to_list()
    ids = c.ids.gather(who).to_list()
    phones = c.phone.gather(who).to_list()
    strangers = identity.mobile_numbers(rng, n).to_list()
    phone_kind = messages["phone_kind"].to_numpy()
    texts = compose_messages(
        rng,
        messages["intent"].to_numpy(),
        messages["kind"].to_numpy(),
        messages["channel"].to_numpy(),
        accounts=[None if a else x for a, x in zip(anonymous, ids)],
        addresses=c.address.gather(who).to_list(),
        phones=phones,
        workers=[worker_names[w][0] if w >= 0 else None for w in worker_row],
        months=np.full(n, day.month),
    )
    stamps = pl.from_epoch(messages["ts"], time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S").to_list()
    channel = messages["channel"].to_numpy()
    label = messages["label"].to_numpy()
    records = []
    for j, interaction_id in enumerate(messages["interaction_id"].to_list()):
        record = {
            "interaction_id": interaction_id,
            "customer_id": None if anonymous[j] else ids[j],
            "channel": CHANNELS[channel[j]],
            "ts": stamps[j],
            "text": texts[j],
            "intent": INTENTS[label[j]] if label[j] >= 0 else None,
        }
        # The phone key is only present where the channel shows a number (IVR caller ID, WeChat binding).
        if phone_kind[j] == PHONE_OWN:
            record["phone"] = phones[j]
        elif phone_kind[j] == PHONE_UNKNOWN:
            record["phone"] = strangers[j]
        records.append(record)
    return records
