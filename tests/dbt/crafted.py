"""A crafted raw data set whose mart outcomes are known exactly, boundary cases included.

The as-of date D is 2026-04-30, the latest reading day. Customers are named for the case they test
(TOU35: valley share exactly 0.35, VAC24: 24 readings, ...); the expected outcomes next to the rows
are what test_marts.py asserts on both engines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

D = dt.date(2026, 4, 30)


def day(offset: int) -> dt.date:
    """D + offset days (offset <= 0 looks back)."""
    return D + dt.timedelta(days=offset)


def at(offset: int, clock: str) -> dt.datetime:
    """Timestamp on day D + offset at HH:MM[:SS]."""
    parts = [int(p) for p in clock.split(":")] + [0]
    return dt.datetime.combine(day(offset), dt.time(parts[0], parts[1], parts[2]))


def _customer(
    customer_id,
    name="张三",
    *,
    district="海淀区",
    area_type="urban",
    category="residential",
    tariff="flat",
    transformer_id="TR1",
    phone="13900000000",
    id_card_no="110105199001010011",
    address="北京市海淀区中关村大街1号",
):
    return {
        "customer_id": customer_id,
        "name": name,
        "phone": phone,
        "id_card_no": id_card_no,
        "address": address,
        "district": district,
        "area_type": area_type,
        "category": category,
        "tariff": tariff,
        "transformer_id": transformer_id,
        "lat": 39.98412,
        "lon": 116.30751,
        "opened_on": dt.date(2015, 6, 1),
    }


CUSTOMERS = [
    # Masking cases: 张三 -> 张*, 欧阳娜娜 -> 欧阳**, 李小明 -> 李**.
    _customer(
        "TOU35",
        "张三",
        district="朝阳区",
        phone="13812341234",
        id_card_no="11010519491231002X",
        address="北京市朝阳区建国路88号",
        transformer_id="TR2",
    ),
    _customer("TOU34", "欧阳娜娜", tariff="tiered", phone="13698765432", transformer_id="TR2"),
    _customer("ONTOU", "李小明", tariff="tou"),
    _customer("BIG", "陈大", tariff="flat"),
    _customer("VAC25", "王五"),
    _customer("VAC24", "王六"),
    _customer("VAC1", "王七"),
    _customer("REP3", "赵六"),
    _customer("REP3OLD", "钱七"),
    _customer("CMP2", "孙八"),
    _customer("CMP2OLD", "周九"),
    _customer("URB", "吴十", area_type="urban"),
    _customer("URB2", "吴十一", area_type="urban"),
    _customer("RUR", "郑一", district="密云区", area_type="rural"),
    _customer("REM", "冯二", district="延庆区", area_type="remote"),
] + [
    # Commercial customers ranked on average daily kWh: C10 and C11 tie at the top.
    _customer(f"C{n:02d}", "商户", category="commercial", tariff="flat")
    for n in range(1, 13)
]

# Average daily kWh of the ranked commercial customers (30 readings each); C12 has 29 readings.
COMMERCIAL_DAILY_KWH = {f"C{n:02d}": n for n in range(1, 10)} | {"C10": 10, "C11": 10, "C12": 100}


def _reading(customer_id, offset, total, peak, flat, valley, unknown=False):
    return {
        "customer_id": customer_id,
        "reading_date": day(offset),
        "kwh_total": total,
        "kwh_peak": peak,
        "kwh_flat": flat,
        "kwh_valley": valley,
        "is_unknown_customer": unknown,
        "_delivery_date": day(offset),
    }


def meter_readings() -> list[dict]:
    """Readings of D-90 .. D; each customer's comment says what its readings make it."""
    rows = []
    for offset in range(-89, 1):
        # Valley share exactly 0.35 over [D-89, D]: tou_candidate.
        rows.append(_reading("TOU35", offset, 10.0, 3.0, 3.5, 3.5))
        # Valley share 0.3499: not a candidate.
        rows.append(_reading("TOU34", offset, 10.0, 3.501, 3.0, 3.499))
        # Already on TOU: never a candidate.
        rows.append(_reading("ONTOU", offset, 10.0, 3.0, 2.0, 5.0))
        # Residential percent rank: BIG ranks 1.0 above three customers tied at 10 kWh/day.
        rows.append(_reading("BIG", offset, 30.0, 15.0, 10.0, 5.0))
    # A reading on D-90 is outside the 90-day window: counted, it would pull TOU35 under 0.35.
    rows.append(_reading("TOU35", -90, 100.0, 100.0, 0.0, 0.0))
    for customer_id, kwh in COMMERCIAL_DAILY_KWH.items():
        days = 29 if customer_id == "C12" else 30
        for offset in range(-days + 1, 1):
            rows.append(_reading(customer_id, offset, float(kwh), kwh * 0.4, kwh * 0.4, kwh * 0.2))
    # Vacant: 25 readings in [D-29, D] under 1 kWh (0.950 kWh).
    rows += [_reading("VAC25", o, 0.038, 0.038, 0.0, 0.0) for o in range(-24, 1)]
    # 24 readings in the window (the 25th falls on D-30): not vacant.
    rows += [_reading("VAC24", o, 0.02, 0.02, 0.0, 0.0) for o in range(-23, 1)]
    rows.append(_reading("VAC24", -30, 0.02, 0.02, 0.0, 0.0))
    # 25 readings summing to exactly 1.000 kWh: not under 1.0, not vacant.
    rows += [_reading("VAC1", o, 0.04, 0.04, 0.0, 0.0) for o in range(-24, 1)]
    # A meter of a customer not in the customer file: loaded, flagged, in no customer mart.
    rows.append(_reading("X999", 0, 5.0, 2.0, 2.0, 1.0, unknown=True))
    return rows


def _ticket(
    ticket_id,
    customer_id,
    ticket_type,
    created_at,
    *,
    delivery=None,
    arrived_at=None,
    dispatched_at=None,
    resolved_at=None,
    status="open",
    satisfaction=None,
    channel="app",
    worker_id=None,
):
    return {
        "ticket_id": ticket_id,
        "customer_id": customer_id,
        "channel": channel,
        "ticket_type": ticket_type,
        "created_at": created_at,
        "dispatched_at": dispatched_at,
        "arrived_at": arrived_at,
        "resolved_at": resolved_at,
        "status": status,
        "worker_id": worker_id,
        "satisfaction": satisfaction,
        "description": "客户来电",
        "_delivery_date": delivery or created_at.date(),
    }


def _repair(ticket_id, customer_id, offset, clock, arrival_minutes=None, **kw):
    created = at(offset, clock)
    arrived = created + dt.timedelta(minutes=arrival_minutes) if arrival_minutes is not None else None
    status = "resolved" if arrived else "dispatched"
    return _ticket(
        ticket_id, customer_id, "fault_repair", created, arrived_at=arrived, status=status, worker_id="W1", **kw
    )


def service_tickets() -> list[dict]:
    """Tickets with known SLA verdicts, tag windows and one ticket delivered three times."""
    return [
        # Urban 45 minutes exactly: met; 46: missed.
        _repair("S45", "URB", -5, "10:00", 45, satisfaction=5),
        _repair("S46", "URB", -5, "11:00", 46, satisfaction=2),
        # Rural 90 minutes: met; 91: missed.
        _repair("S90", "RUR", -3, "08:00", 90, satisfaction=4, channel="wechat"),
        _repair("S91", "RUR", -3, "12:00", 91, satisfaction=3, channel="wechat"),
        # Remote, no arrival, created at 21:00 on D: 120 minutes ran out at 23:00, missed.
        _repair("SPASSED", "REM", 0, "21:00", channel="ivr"),
        # Remote, no arrival, created at 23:00 on D: runs until 01:00, still open.
        _repair("SOPEN", "REM", 0, "23:00", channel="ivr"),
        # Urban, no arrival, created at 23:15 on D: runs out exactly at the end of D, still open.
        _repair("SEDGE", "URB2", 0, "23:15"),
        # Not a repair: no commitment, no verdict.
        _ticket("SBILL", "URB", "bill_inquiry", at(-1, "09:00"), status="closed", satisfaction=4, channel="counter"),
        # Delivered three times; the latest delivery (inserted first) wins: resolved, arrived in 40 min.
        _ticket(
            "SDEDUP",
            "URB2",
            "fault_repair",
            at(-2, "14:00"),
            delivery=day(0),
            status="resolved",
            dispatched_at=at(-2, "14:10"),
            arrived_at=at(-2, "14:40"),
            resolved_at=at(-2, "16:00"),
            satisfaction=5,
            worker_id="W1",
        ),
        _ticket("SDEDUP", "URB2", "fault_repair", at(-2, "14:00"), delivery=day(-2), status="open"),
        _ticket(
            "SDEDUP",
            "URB2",
            "fault_repair",
            at(-2, "14:00"),
            delivery=day(-1),
            status="dispatched",
            dispatched_at=at(-2, "14:10"),
            worker_id="W2",
        ),
        # Exactly 3 repairs in [D-89, D]: frequent_repair.
        _repair("R1", "REP3", -89, "00:00", 30),
        _repair("R2", "REP3", -40, "09:00", 30),
        _repair("R3", "REP3", -1, "09:00", 30),
        # 3 repairs, one on D-90 (a second before D-89): not frequent_repair.
        _repair("R4", "REP3OLD", -90, "23:59:59", 30),
        _repair("R5", "REP3OLD", -40, "09:00", 30),
        _repair("R6", "REP3OLD", -1, "09:00", 30),
        # VAC25 repairs too: two tags, listed "frequent_repair,vacant" in customer_360.
        _repair("R7", "VAC25", -8, "09:00", 20),
        _repair("R8", "VAC25", -7, "09:00", 20),
        _repair("R9", "VAC25", -6, "09:00", 20),
        # 2 complaints in [D-179, D]: complaint_sensitive; one on D-180 does not count.
        _ticket("K1", "CMP2", "complaint", at(-179, "08:00"), status="closed"),
        _ticket("K2", "CMP2", "complaint", at(-10, "08:00"), status="closed"),
        _ticket("K3", "CMP2OLD", "complaint", at(-180, "23:00"), status="closed"),
        _ticket("K4", "CMP2OLD", "complaint", at(-10, "08:00"), status="closed"),
    ]


def interactions() -> list[dict]:
    """Messages; URB's latest is on D at 08:00, one caller is unidentified."""

    def message(interaction_id, customer_id, ts, text, intent=None, channel="wechat", phone=None):
        return {
            "interaction_id": interaction_id,
            "customer_id": customer_id,
            "channel": channel,
            "ts": ts,
            "text": text,
            "intent": intent,
            "phone": phone,
            "_delivery_date": ts.date(),
        }

    return [
        message("I1", "URB", at(-1, "10:00"), "家里停电了", "outage_inquiry"),
        message("I2", "URB", at(0, "08:00"), "抢修人员什么时候到", "fault_repair"),
        message("I3", None, at(0, "09:00"), "电费怎么交", None, "ivr", "13700001111"),
        message("I4", "TOU35", at(-3, "20:00"), "峰谷电价怎么申请", "tariff_policy", "app"),
    ]


def transformer_telemetry() -> list[dict]:
    """Hourly telemetry: TR1 on D-1 and D, TR2 on D only (one hour missing)."""
    rows = []
    for offset, hours, transformer_id in ((-1, 3, "TR1"), (0, 3, "TR1"), (0, 2, "TR2")):
        for hour in range(hours):
            rows.append(
                {
                    "transformer_id": transformer_id,
                    "ts": at(offset, f"{hour:02d}:00"),
                    "oil_temp_c": 50.0 + hour + offset,
                    "load_pct": 60.5 + 10 * hour,
                    "voltage_v": 229.5,
                    "ambient_temp_c": 20.0,
                    "_delivery_date": day(offset),
                }
            )
    return rows


def dataset() -> dict[str, list[dict]]:
    """Every raw table's crafted rows."""
    return {
        "raw_cis__customers": CUSTOMERS,
        "raw_scada__transformers": [
            {
                "transformer_id": t,
                "district": d,
                "lat": 39.9,
                "lon": 116.4,
                "rated_kva": kva,
                "installed_on": dt.date(2010, 1, 1),
            }
            for t, d, kva in (("TR1", "海淀区", 400.0), ("TR2", "朝阳区", 630.0), ("TR3", "密云区", 200.0))
        ],
        "raw_crm__workers": [
            {
                "worker_id": "W1",
                "name": "王强",
                "team": "海淀抢修一班",
                "district": "海淀区",
                "lat": 39.96,
                "lon": 116.3,
                "on_duty": True,
            },
            {
                "worker_id": "W2",
                "name": "欧阳明",
                "team": "海淀抢修二班",
                "district": "海淀区",
                "lat": 39.97,
                "lon": 116.31,
                "on_duty": False,
            },
        ],
        "raw_scada__equipment_faults": [
            {"fault_id": "F1", "transformer_id": "TR1", "fault_at": at(-20, "03:15"), "fault_type": "overload"},
            {"fault_id": "F2", "transformer_id": "TR1", "fault_at": at(-2, "14:05"), "fault_type": "fuse"},
        ],
        "raw_ami__meter_readings": meter_readings(),
        "raw_crm__service_tickets": service_tickets(),
        "raw_crm__interactions": interactions(),
        "raw_scada__transformer_telemetry": transformer_telemetry(),
    }


# ---- Expected outcomes ------------------------------------------------------------------------

EXPECTED_TAGS = {
    ("C10", "high_consumption"),
    ("C11", "high_consumption"),
    ("BIG", "high_consumption"),
    ("TOU35", "tou_candidate"),
    ("VAC25", "vacant"),
    ("VAC25", "frequent_repair"),
    ("REP3", "frequent_repair"),
    ("CMP2", "complaint_sensitive"),
}

# (ticket_id -> (arrival commitment, minutes to arrival, sla_met))
EXPECTED_SLA = {
    "S45": (45, Decimal("45.00"), True),
    "S46": (45, Decimal("46.00"), False),
    "S90": (90, Decimal("90.00"), True),
    "S91": (90, Decimal("91.00"), False),
    "SPASSED": (120, None, False),
    "SOPEN": (120, None, None),
    "SEDGE": (45, None, None),
    "SBILL": (None, None, None),
    "SDEDUP": (45, Decimal("40.00"), True),
    "R1": (45, Decimal("30.00"), True),
    "R4": (45, Decimal("30.00"), True),
    "K1": (None, None, None),
}

# TOU35: 900 kWh over 90 days, flat 504.00 yuan against TOU 443.52 -> 60.48 x 365 / 90.
EXPECTED_TOU35_SAVING = Decimal("245.28")
