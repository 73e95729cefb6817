"""notification_preferences.csv: the channel, refused notices and quiet hours of the customers who set them.

Most customers never open the settings: about 70 % have a row (the others get the platform's defaults,
domain.notices). Among those, WeChat is the commonest channel, one in ten refuses each kind of service notice,
and most keep the app's suggested quiet hours. Drawn from one seeded stream, so a seed gives the same file.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from domain.codes import NOTIFY_CHANNELS
from domain.notices import OPTIONAL_KINDS

from .randomness import rng_for

SHARE_WITH_PREFERENCES = 0.7
CHANNEL_SHARES = (0.45, 0.25, 0.30)  # wechat, sms, app (NOTIFY_CHANNELS order)
OPT_OUT_SHARE = 0.10
# (start, end) quiet hours offered by the settings page; (0, 0) is "none".
QUIET_CHOICES = ((22, 7), (21, 8), (23, 6), (0, 0))
QUIET_SHARES = (0.55, 0.2, 0.1, 0.15)


def preferences_frame(seed: int, customer_ids: pl.Series, start: dt.date, end: dt.date) -> pl.DataFrame:
    """notification_preferences.csv in contract column order, one row per customer with preferences."""
    rng = rng_for(seed, "preferences")
    n = len(customer_ids)
    rows = np.flatnonzero(rng.random(n) < SHARE_WITH_PREFERENCES)
    k = len(rows)
    channel = rng.choice(len(NOTIFY_CHANNELS), size=k, p=CHANNEL_SHARES)
    quiet = rng.choice(len(QUIET_CHOICES), size=k, p=QUIET_SHARES)
    opt_out = rng.random((k, len(OPTIONAL_KINDS))) < OPT_OUT_SHARE
    seconds = rng.integers(0, ((end - start).days + 1) * 86_400, size=k)
    updated = (np.datetime64(start, "s") + seconds.astype("timedelta64[s]")).astype("datetime64[ms]")
    return pl.DataFrame(
        {
            "customer_id": customer_ids.gather(rows),
            "channel": pl.Series(NOTIFY_CHANNELS).gather(channel),
            **{f"opt_out_{kind}": opt_out[:, j] for j, kind in enumerate(OPTIONAL_KINDS)},
            "quiet_start_hour": np.array([QUIET_CHOICES[q][0] for q in quiet], dtype=np.int64),
            "quiet_end_hour": np.array([QUIET_CHOICES[q][1] for q in quiet], dtype=np.int64),
            "updated_at": pl.Series(updated).dt.strftime("%Y-%m-%d %H:%M:%S"),
        }
    )
