"""Made-up work orders for the delivery benchmark and tests: distinct, shaped like the ones `orders.py` builds.

Delivery cost depends on the payload (JSON size, Chinese text to encode), not on where an order came from, so
these skip the warehouse and the models: preventive-maintenance orders with a full summary, assignment and
details, one per made-up transformer `T000000`, `T000001`, …
"""

from __future__ import annotations

import datetime as dt

from orchestration.serving.dispatch import Assignment
from orchestration.serving.work_order import PREVENTIVE, WorkOrder, external_id


def transformer_id(i: int) -> str:
    """The made-up transformer of the i-th sample order."""
    return f"T{i:06d}"


def sample_orders(n: int, run: str = "2026-11-02") -> list[WorkOrder]:
    """`n` distinct preventive orders; `run` enters the external_id, so a new `run` gives new ids (a reused
    PostgreSQL outbox then takes them as new orders)."""
    return [
        WorkOrder(
            external_id=external_id(PREVENTIVE, transformer_id(i), run),
            kind=PREVENTIVE,
            subject_id=transformer_id(i),
            priority="high",
            district="海淀区",
            due_by=dt.datetime(2026, 10, 31, 18),
            summary=f"变压器 {transformer_id(i)} 未来 7 天故障风险 0.82（预计最高油温 96.0 ℃），供电用户 40 户，"
            "请于 10-31 18:00 前完成预防性检修。",
            assignment=Assignment("W0001", "海淀抢修一班", 2.345, "海淀区在岗 6 人中距离最近"),
            transformer_id=transformer_id(i),
            details={
                "risk_score": 0.82,
                "fault_window": {"start": "2026-11-02", "end": "2026-11-06"},
                "customers_served": 40,
            },
        )
        for i in range(n)
    ]
