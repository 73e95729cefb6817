"""Outages that explain a customer's lost supply: reported by the outage management system (OMS), or recorded.

An outage is active on a transformer when the OMS reported it and has not reported it restored (a planned
window counts from its start until its estimated end), or when SCADA recorded a fault on it within the last
`RECENT_FAULT_HOURS` and no restoration was reported since. Such a customer gets an `area_outage` answer and
no new repair order: the crew is already on the fault.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assistant.store import OUTAGES, ServiceWarehouse

FAULT, PLANNED = "fault", "planned"
KINDS = (FAULT, PLANNED)
# A recorded fault without an OMS report is taken to last this long: the urban repair commitment (45 min)
# plus a typical repair; past it the supply is assumed back and a report from the customer is a new fault.
RECENT_FAULT_HOURS = 4

# The OMS's latest active report on the transformer (source 1), and the latest recent SCADA fault no report
# restored (source 2), in one round trip; the report wins. The NULLs are typed: PostgreSQL gives an untyped
# NULL of a subquery the type text, which a timestamp column cannot join.
ACTIVE_SQL = f"""
SELECT * FROM (
    SELECT 1 AS source, outage_id, kind, cause, started_at, estimated_restore_at
    FROM {OUTAGES}
    WHERE transformer_id = ? AND restored_at IS NULL AND started_at <= ?
      AND (kind <> '{PLANNED}' OR estimated_restore_at IS NULL OR estimated_restore_at > ?)
    ORDER BY started_at DESC, outage_id
    LIMIT 1) o
UNION ALL
SELECT * FROM (
    SELECT 2 AS source, f.fault_id, f.fault_type, CAST(NULL AS VARCHAR), f.fault_at, CAST(NULL AS TIMESTAMP)
    FROM staging.stg_scada__equipment_faults f
    WHERE f.transformer_id = ? AND f.fault_at <= ? AND f.fault_at > ?
      AND NOT EXISTS (SELECT 1 FROM {OUTAGES} o
                      WHERE o.transformer_id = f.transformer_id AND o.restored_at >= f.fault_at)
    ORDER BY f.fault_at DESC, f.fault_id
    LIMIT 1) f
ORDER BY source
"""


@dataclass(frozen=True)
class Outage:
    """An active outage as the answer tells it."""

    outage_id: str
    kind: str
    cause: str
    started_at: dt.datetime
    estimated_restore_at: dt.datetime | None
    source: str  # oms | scada


def active_outage(db: ServiceWarehouse, transformer_id: str | None, now: dt.datetime) -> Outage | None:
    """The outage on this transformer now, the latest reported first, else a recent recorded fault."""
    if not transformer_id:
        return None
    recent = now - dt.timedelta(hours=RECENT_FAULT_HOURS)
    rows = db.query(ACTIVE_SQL, (transformer_id, now, now, transformer_id, now, recent))
    if not rows:
        return None
    source, oid, kind, cause, start, eta = rows[0]
    if source == 1:
        return Outage(oid, kind, cause, start, eta, "oms")
    # SCADA records the fault type in Chinese (绕组过热, 雷击损坏 ...), or none.
    fault_type = kind
    cause = f"变压器故障（{fault_type}）" if fault_type else "变压器故障"
    return Outage(oid, FAULT, cause, start, start + dt.timedelta(hours=RECENT_FAULT_HOURS), "scada")


def report_outage(
    db: ServiceWarehouse,
    outage_id: str,
    transformer_id: str,
    kind: str,
    cause: str,
    started_at: dt.datetime,
    estimated_restore_at: dt.datetime | None,
    reported_at: dt.datetime,
) -> bool:
    """Record an OMS report; a repeated report of the same outage_id updates its cause and estimate (the OMS
    revises them) unless it was restored already. Returns whether the outage was new."""
    new = db.insert_new(
        OUTAGES,
        "outage_id",
        {
            "outage_id": outage_id,
            "transformer_id": transformer_id,
            "kind": kind,
            "cause": cause,
            "started_at": started_at,
            "estimated_restore_at": estimated_restore_at,
            "reported_at": reported_at,
        },
    )
    if not new:
        db.execute(
            f"UPDATE {OUTAGES} SET cause = ?, estimated_restore_at = ?, reported_at = ? "
            "WHERE outage_id = ? AND restored_at IS NULL",
            (cause, estimated_restore_at, reported_at, outage_id),
        )
    return bool(new)


def restore_outage(db: ServiceWarehouse, outage_id: str, restored_at: dt.datetime) -> tuple | None:
    """Mark an outage restored (the first report of its end stands); None when the outage is unknown.

    Returns (outage_id, transformer_id, restored_at)."""
    db.execute(
        f"UPDATE {OUTAGES} SET restored_at = ? WHERE outage_id = ? AND restored_at IS NULL", (restored_at, outage_id)
    )
    rows = db.query(f"SELECT outage_id, transformer_id, restored_at FROM {OUTAGES} WHERE outage_id = ?", (outage_id,))
    return rows[0] if rows else None
