"""Nearest on-duty worker by great-circle distance, exactly."""

from __future__ import annotations

import pytest

from orchestration.serving import Worker, haversine_km, nearest_worker


def test_haversine_known_distances():
    # Beijing (Tiananmen) to Shanghai (People's Square) on the sphere of mean radius (the spherical law of
    # cosines gives the same 1,068.14 km).
    assert haversine_km(39.9087, 116.3975, 31.2304, 121.4737) == pytest.approx(1068.14, abs=0.01)
    # 0.01° of latitude is 1.112 km everywhere.
    assert haversine_km(39.90, 116.30, 39.91, 116.30) == pytest.approx(1.1119, abs=1e-4)
    assert haversine_km(39.9, 116.3, 39.9, 116.3) == 0.0


WORKERS = [
    Worker("W9", "甲班", "海淀区", 39.91, 116.30, True),  # 1.112 km north of the site
    Worker("W2", "乙班", "海淀区", 39.89, 116.30, True),  # 1.112 km south: same distance, smaller id wins
    Worker("W1", "甲班", "海淀区", 39.9001, 116.3001, False),  # at the site, off duty
    Worker("W5", "丙班", "朝阳区", 39.9005, 116.3005, True),  # at the site, other district
]


def test_nearest_on_duty_worker_of_the_district_ties_to_smaller_id():
    got = nearest_worker(WORKERS, "海淀区", 39.90, 116.30)
    assert (got.worker_id, got.team, got.distance_km) == ("W2", "乙班", 1.112)
    assert got.reason == "海淀区在岗 2 人中距离最近：W2（乙班，直线距离 1.11 km）"


def test_district_without_on_duty_worker_falls_back_to_nearest_anywhere():
    got = nearest_worker(WORKERS, "密云区", 39.90, 116.30)
    assert (got.worker_id, got.distance_km) == ("W5", 0.07)
    assert got.reason == "密云区无在岗人员，改派全市最近的在岗人员 W5（丙班，朝阳区，直线距离 0.07 km）"


def test_nobody_on_duty_or_no_location_leaves_the_order_unassigned():
    off = [Worker("W1", "甲班", "海淀区", 39.9, 116.3, False)]
    assert nearest_worker(off, "海淀区", 39.9, 116.3).worker_id is None
    assert nearest_worker(off, "海淀区", 39.9, 116.3).reason == "当前无在岗维修人员，请调度人工指派"
    assert nearest_worker(WORKERS, "海淀区", None, None).distance_km is None
