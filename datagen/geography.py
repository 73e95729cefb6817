"""The fictional city of 江宁市: its districts, their area-type mix, and where things are placed.

Four urban districts and four counties. A county is mostly rural with remote mountain or riverside
townships; a district is mostly urban. Coordinates sit around (31.95 N, 118.85 E).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.codes import AREA_TYPES

CITY = "江宁市"
CITY_CENTRE = (31.95, 118.85)


@dataclass(frozen=True)
class District:
    """A district or county: name, short name (for team names), ID-card region code, centre, size, area mix."""

    name: str
    short: str
    region_code: str
    lat: float
    lon: float
    population_share: float
    area_mix: tuple[float, float, float]  # urban, rural, remote
    towns: tuple[str, ...]


DISTRICTS: tuple[District, ...] = (
    District("城东区", "城东", "320102", 31.960, 118.900, 0.20, (0.90, 0.10, 0.00), ("东山", "麒麟")),
    District("城西区", "城西", "320104", 31.950, 118.790, 0.17, (0.85, 0.15, 0.00), ("西岗", "板桥")),
    District("高新区", "高新", "320111", 32.010, 118.860, 0.15, (0.75, 0.25, 0.00), ("科创", "淳化")),
    District("滨江区", "滨江", "320113", 31.900, 118.930, 0.12, (0.60, 0.35, 0.05), ("江心", "八卦洲")),
    District("临江县", "临江", "320121", 31.780, 119.050, 0.12, (0.25, 0.60, 0.15), ("临江", "铜井", "龙都")),
    District("青山县", "青山", "320122", 32.200, 118.700, 0.09, (0.10, 0.50, 0.40), ("青山", "横溪", "石塘")),
    District("白马县", "白马", "320123", 31.700, 118.650, 0.08, (0.15, 0.60, 0.25), ("白马", "谷里", "周岗")),
    District("云岭县", "云岭", "320124", 32.250, 119.150, 0.07, (0.05, 0.45, 0.50), ("云岭", "汤山", "湖熟")),
)

# Distance band of an area type from its district centre, in degrees (≈ 110 km per degree).
_RING = {"urban": (0.0, 0.03), "rural": (0.04, 0.10), "remote": (0.11, 0.22)}
# Spread of customers around their transformer, in degrees: a city block, a village, a scattered hamlet.
CUSTOMER_SPREAD = {"urban": 0.002, "rural": 0.006, "remote": 0.012}

ROADS = (
    "中山路",
    "人民路",
    "解放路",
    "建设路",
    "长江路",
    "和平路",
    "胜利路",
    "新华路",
    "文化路",
    "学府路",
    "科技大道",
    "滨江大道",
    "青年路",
    "光明路",
    "幸福路",
    "龙蟠路",
    "秦淮路",
    "天元路",
    "双龙大道",
    "将军大道",
    "东山大街",
    "竹山路",
    "金盛路",
    "庐山路",
)
ESTATES = (
    "锦绣花园",
    "阳光家园",
    "翠苑小区",
    "金色港湾",
    "碧水湾",
    "华府名邸",
    "丽景苑",
    "幸福里小区",
    "东方城",
    "百家湖花园",
    "春江新城",
    "南湖新村",
    "银杏苑",
    "紫金苑",
    "水岸名都",
    "桃源居",
)
VILLAGE_PREFIXES = ("张", "李", "王", "陈", "前", "后", "东", "西", "上", "下", "大", "小", "新", "石", "柳", "杨")
VILLAGE_SUFFIXES = ("家", "庄", "塘", "桥", "湾", "岗", "圩", "坝", "林", "埠")
INDUSTRIAL_PARKS = ("经济开发区", "滨江工业园", "科学园", "临江工业集中区")


def place_around(
    rng: np.random.Generator, district_idx: np.ndarray, area_idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Random points in each row's district, at the distance band of its area type (remote is farthest out)."""
    centres = np.array([(d.lat, d.lon) for d in DISTRICTS])
    rings = np.array([_RING[a] for a in AREA_TYPES])
    n = len(district_idx)
    radius = rng.uniform(rings[area_idx, 0], rings[area_idx, 1], n)
    angle = rng.uniform(0, 2 * np.pi, n)
    lat = centres[district_idx, 0] + radius * np.sin(angle)
    # A degree of longitude is shorter than one of latitude at 32° N.
    lon = centres[district_idx, 1] + radius * np.cos(angle) / np.cos(np.radians(32.0))
    return lat, lon
