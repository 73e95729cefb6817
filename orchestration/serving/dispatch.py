"""Dispatch: the nearest on-duty worker of the order's district, by great-circle distance.

The design's “推送至最近维修人员”. Workers' positions are their crews' bases (marts.dim_workers), so the
distance is how far the crew has to drive, as the crow flies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


@dataclass(frozen=True)
class Worker:
    """A field worker as dispatch sees them (one row of marts.dim_workers)."""

    worker_id: str
    team: str
    district: str
    lat: float
    lon: float
    is_on_duty: bool


@dataclass(frozen=True)
class Assignment:
    """Who gets an order, how far they are, and why them (the reason is shown to the dispatcher, in Chinese)."""

    worker_id: str | None
    team: str | None
    distance_km: float | None
    reason: str


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def nearest_worker(workers: list[Worker], district: str | None, lat: float | None, lon: float | None) -> Assignment:
    """The nearest on-duty worker of `district` to (lat, lon); ties go to the smaller worker_id.

    A district whose whole crew is off duty still needs its order handled, so it falls back to the nearest
    on-duty worker of any district and says so; with nobody on duty, or no location for the subject, the
    order goes out unassigned for the ticketing system's dispatcher, again with the reason.
    """
    if lat is None or lon is None or (isinstance(lat, float) and math.isnan(lat)):
        return Assignment(None, None, None, "工单对象无位置信息，无法按距离派工，请调度人工指派")
    on_duty = [w for w in workers if w.is_on_duty]
    local = [w for w in on_duty if w.district == district]
    pool, fallback = (local, False) if local else (on_duty, True)
    if not pool:
        return Assignment(None, None, None, "当前无在岗维修人员，请调度人工指派")
    ranked = sorted(((haversine_km(lat, lon, w.lat, w.lon), w.worker_id, w) for w in pool), key=lambda t: t[:2])
    distance, _, worker = ranked[0]
    distance = round(distance, 3)
    if fallback:
        reason = (
            f"{district or '该区'}无在岗人员，改派全市最近的在岗人员 {worker.worker_id}"
            f"（{worker.team}，{worker.district}，直线距离 {distance:.2f} km）"
        )
    else:
        reason = (
            f"{district}在岗 {len(pool)} 人中距离最近：{worker.worker_id}（{worker.team}，直线距离 {distance:.2f} km）"
        )
    return Assignment(worker.worker_id, worker.team, distance, reason)
