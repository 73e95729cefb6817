"""Fake but well-formed personal data: Chinese names, mobile numbers, ID numbers, addresses, company names.

Everything is vectorised (index arrays into small tables, joined with polars), so a million customers take
a couple of seconds. ID numbers follow GB 11643-1999: 6-digit region code, birth date, 3-digit sequence
(odd for men, even for women) and an ISO 7064 MOD 11-2 check character.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from .geography import CITY, DISTRICTS, ESTATES, INDUSTRIAL_PARKS, ROADS, VILLAGE_PREFIXES, VILLAGE_SUFFIXES

_SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
) + ("欧阳", "司马", "诸葛", "上官")
# Zipf-like weights put 王/李/张 near 6 % each, as in the census; compound surnames are rare.
_SURNAME_P = np.concatenate([1.0 / (np.arange(len(_SURNAMES) - 4) + 3.0) ** 0.9, np.full(4, 0.002)])
_SURNAME_P /= _SURNAME_P.sum()
_GIVEN_MALE = tuple("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋勋国建志文博晨阳海峰东亮成")
_GIVEN_FEMALE = tuple("芳娜敏静丽艳娟霞秀玲桂英燕萍红梅琳雪婷慧颖倩洁琴云莲晶月莉欣怡佳悦涵淑兰凤春瑶")
_GIVEN_SHARED = tuple("子一嘉思欣雨文晓小立新振家永德金玉福")
_COMPANY_WORDS = tuple("华兴盛达鑫源恒通丰瑞祥利发德宏昌永泰信和美佳润")
_SHOP_KINDS = ("超市", "餐饮店", "便利店", "大药房", "酒店", "商行", "理发店", "五金店", "茶楼", "汽修厂")
_FIRM_KINDS = ("机械制造", "纺织", "电子科技", "建材", "塑料制品", "食品加工", "金属制品", "包装材料")
_FARM_KINDS = ("家庭农场", "养殖场", "农业专业合作社", "灌溉站", "苗木基地")
# Prefixes of the three operators (移动, 联通, 电信); 13x/15x/18x dominate.
MOBILE_PREFIXES = (
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "182",
    "183",
    "187",
    "188",
    "198",
    "130",
    "131",
    "132",
    "155",
    "156",
    "185",
    "186",
    "166",
    "133",
    "153",
    "180",
    "181",
    "189",
    "199",
    "177",
)
_MIGRANT_REGION_CODES = ("340102", "410102", "510104", "420102", "320581", "321002", "341202", "370102")
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))


def _pick(table: tuple[str, ...], idx: np.ndarray) -> pl.Series:
    return pl.Series(table, dtype=pl.Utf8).gather(idx)


def _draw(rng: np.random.Generator, table: tuple[str, ...], n: int) -> pl.Series:
    return _pick(table, rng.integers(0, len(table), n))


def _num(values: np.ndarray, width: int = 0) -> pl.Series:
    s = pl.Series(np.asarray(values, dtype=np.int64)).cast(pl.Utf8)
    return s.str.zfill(width) if width else s


def _join(*parts: pl.Series | str) -> pl.Series:
    """Concatenate Series element-wise; plain strings are broadcast."""
    return pl.select(pl.concat_str([pl.lit(p) for p in parts])).to_series()


def _choose(*cases: tuple[np.ndarray, pl.Series], default: pl.Series) -> pl.Series:
    """Element-wise pick: the first case whose mask is true, else `default`."""
    expr = None
    for mask, value in cases:
        expr = (pl.when if expr is None else expr.when)(pl.lit(pl.Series(mask))).then(pl.lit(value))
    return pl.select(expr.otherwise(pl.lit(default))).to_series()


def person_names(rng: np.random.Generator, male: np.ndarray) -> pl.Series:
    """Chinese personal names: a surname and a one- or two-character given name matching the sex."""
    n = len(male)
    surname = _pick(_SURNAMES, rng.choice(len(_SURNAMES), n, p=_SURNAME_P))
    first = _choose((male, _draw(rng, _GIVEN_MALE, n)), default=_draw(rng, _GIVEN_FEMALE, n))
    second = _choose(
        (rng.random(n) < 0.3, _draw(rng, _GIVEN_SHARED, n)),
        (male, _draw(rng, _GIVEN_MALE, n)),
        default=_draw(rng, _GIVEN_FEMALE, n),
    )
    # Two-character given names are the norm for people born after the 1970s.
    given = _choose((rng.random(n) < 0.72, _join(second, first)), default=first)
    return _join(surname, given)


def organisation_names(rng: np.random.Generator, category: np.ndarray, district_idx: np.ndarray) -> pl.Series:
    """Account names for non-residential customers: shops (commercial), firms (industrial), farms (agricultural)."""
    n = len(category)
    brand = _join(_draw(rng, _COMPANY_WORDS, n), _draw(rng, _COMPANY_WORDS, n))
    short = _pick(tuple(d.short for d in DISTRICTS), district_idx)
    return _choose(
        (category == "commercial", _join(short, brand, _draw(rng, _SHOP_KINDS, n))),
        (category == "industrial", _join(CITY, brand, _draw(rng, _FIRM_KINDS, n), "有限公司")),
        default=_join(short, brand, _draw(rng, _FARM_KINDS, n)),
    )


def mobile_numbers(rng: np.random.Generator, n: int) -> pl.Series:
    """11-digit mainland mobile numbers with real operator prefixes."""
    return _join(_draw(rng, MOBILE_PREFIXES, n), _num(rng.integers(0, 100_000_000, n), 8))


def id_check_characters(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check characters for an (n, 17) digit array: weighted sum mod 11 mapped onto '10X98765432'."""
    return _ID_CHECK[(first17 @ _ID_WEIGHTS) % 11]


def id_numbers(rng: np.random.Generator, district_idx: np.ndarray, male: np.ndarray, reference: dt.date) -> pl.Series:
    """18-character resident ID numbers of adults born 20–85 years before `reference`, valid check character.

    Most holders were born in their district; a fifth carry the region code of another province (migrants).
    """
    n = len(male)
    local = np.array([int(d.region_code) for d in DISTRICTS], dtype=np.int64)[district_idx]
    migrant = np.array([int(c) for c in _MIGRANT_REGION_CODES], dtype=np.int64)[
        rng.integers(0, len(_MIGRANT_REGION_CODES), n)
    ]
    region = np.where(rng.random(n) < 0.2, migrant, local)
    birth = np.datetime64(reference, "D") - rng.integers(20 * 365, 85 * 365, n).astype("timedelta64[D]")
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    seq = rng.integers(0, 500, n) * 2 + male.astype(np.int64)
    number = region * 10**11 + year * 10**7 + month * 10**5 + day * 10**3 + seq
    digits = number[:, None] // 10 ** np.arange(16, -1, -1) % 10
    check = pl.Series(id_check_characters(digits), dtype=pl.Utf8)
    return _join(_num(number, 17), check)


def addresses(
    rng: np.random.Generator, district_idx: np.ndarray, area_idx: np.ndarray, category: np.ndarray
) -> pl.Series:
    """Postal addresses: estate flats in town, village house numbers in the countryside, parks for industry."""
    n = len(district_idx)
    district = _pick(tuple(d.name for d in DISTRICTS), district_idx)
    street = _join(_draw(rng, ROADS, n), _num(rng.integers(1, 399, n)), "号")
    flat = _join(
        CITY,
        district,
        street,
        _draw(rng, ESTATES, n),
        _num(rng.integers(1, 31, n)),
        "栋",
        _num(rng.integers(1, 33, n) * 100 + rng.integers(1, 5, n)),
        "室",
    )
    shop = _join(CITY, district, street, _num(rng.integers(1, 3, n)), "楼商铺")
    towns = [t for d in DISTRICTS for t in d.towns]
    first_town = np.cumsum([0] + [len(d.towns) for d in DISTRICTS])[:-1]
    town_count = np.array([len(d.towns) for d in DISTRICTS])
    town = pl.Series(towns).gather(first_town[district_idx] + rng.integers(0, 1_000_000, n) % town_count[district_idx])
    village = _join(_draw(rng, VILLAGE_PREFIXES, n), _draw(rng, VILLAGE_SUFFIXES, n))
    group, number = _num(rng.integers(1, 13, n)), _num(rng.integers(1, 120, n))
    house = _join(CITY, district, town, "镇", village, "村", group, "组", number, "号")
    park = _join(CITY, district, _draw(rng, INDUSTRIAL_PARKS, n), street)
    return _choose(
        (category == "industrial", park),
        (area_idx != 0, house),
        (category == "commercial", shop),
        default=flat,
    )
