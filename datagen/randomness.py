"""Seeded random streams: every draw in the generator comes from `rng_for(seed, stream, day)`.

A stream is named (`"readings"`, `"tickets"` …) and optionally tied to a day, so one day's readings do not
depend on how many numbers another day or another dataset drew: days can be regenerated alone and adding a
draw to one dataset does not shift every other file.
"""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np


def rng_for(seed: int, stream: str, day: dt.date | None = None) -> np.random.Generator:
    """Return the generator for `stream` (and `day`, if given) under the run's `seed`.

    The stream name is hashed with CRC-32 rather than `hash()`, whose value changes between Python processes.
    """
    key = [zlib.crc32(stream.encode("utf-8"))]
    if day is not None:
        key.append(day.toordinal())
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=tuple(key)))
