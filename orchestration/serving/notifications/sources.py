"""Candidate notices from what the warehouse knows tonight, and the customers' wishes and history.

* planned outage — customers behind a transformer with a preventive-maintenance work order (the work-order
  outbox), when its outage window starts within the notice period (domain.notices.PLANNED_OUTAGE_NOTICE_DAYS);
* outage / restored — customers behind a transformer with a recorded fault (staging.stg_scada__equipment_faults)
  or an outage the OMS reported through the assistant (raw.raw_oms__outages: planned ones get planned notices);
* high bill — marts.bill_forecast's `high_bill_alert` for the month, once enough of it is read;
* tariff advice — `tou_candidate` customers of marts.customer_tags with their yearly saving;
* repair progress — steps of fault-repair tickets (marts.fct_service_tickets): crew assigned, arrived, resolved.

Only personal-data-free columns are read: who a customer is stays in the customer file.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable

from domain.notices import (
    DEFAULT_RESTORATION_HOURS,
    HIGH_BILL,
    HIGH_BILL_MIN_DAYS_READ,
    MAINTENANCE_OUTAGE_HOURS,
    NOTICE_LOOKBACK_HOURS,
    OPTIONAL_KINDS,
    OUTAGE,
    PLANNED_OUTAGE,
    PLANNED_OUTAGE_NOTICE_DAYS,
    REPAIR_PROGRESS,
    RESTORED,
    TARIFF_ADVICE,
    send_before,
)
from orchestration.serving.notifications.rules import Candidate, Preference, Sent
from orchestration.serving.orders import BuildConfig
from orchestration.serving.outbox import EXPIRED
from orchestration.serving.work_order import PREVENTIVE
from orchestration.warehouse import Warehouse

PREFERENCES_SQL = f"""
SELECT customer_id, channel, {", ".join(f"is_opted_out_{k}" for k in OPTIONAL_KINDS)}, quiet_start_hour, quiet_end_hour
FROM staging.stg_crm__notification_preferences
"""
CUSTOMERS_SQL = """
SELECT transformer_id, customer_id FROM marts.dim_customers WHERE transformer_id IS NOT NULL
ORDER BY transformer_id, customer_id
"""
FAULTS_SQL = """
SELECT fault_id, transformer_id, fault_at, fault_type, restored_at FROM staging.stg_scada__equipment_faults
ORDER BY fault_at, fault_id
"""
# Outages reported to the platform by the outage management system through the assistant (assistant/store.py).
OMS_OUTAGES = "raw.raw_oms__outages"
OMS_SQL = f"""
SELECT outage_id, transformer_id, kind, cause, started_at, estimated_restore_at, restored_at FROM {OMS_OUTAGES}
ORDER BY started_at, outage_id
"""
# A SCADA fault and an OMS report of the same transformer starting up to this much later are one outage.
OMS_MATCH = dt.timedelta(hours=2)
BILLS_SQL = """
SELECT customer_id, kwh_to_date, estimated_bill_yuan, previous_3_months_avg_bill_yuan, main_driver, main_driver_zh
FROM marts.bill_forecast
WHERE high_bill_alert AND bill_status = 'estimate' AND bill_month = ? AND days_read >= ?
ORDER BY customer_id
"""
ADVICE_SQL = """
SELECT customer_id, tou_yearly_saving_yuan FROM marts.customer_tags
WHERE tag = 'tou_candidate' AND tou_yearly_saving_yuan > 0
ORDER BY customer_id
"""
REPAIRS_SQL = """
SELECT ticket_id, customer_id, created_at, dispatched_at, arrived_at, resolved_at, arrival_commitment_minutes
FROM marts.fct_service_tickets
WHERE ticket_type = 'fault_repair' AND customer_id IS NOT NULL
  AND (dispatched_at > ? OR arrived_at > ? OR resolved_at > ?)
ORDER BY ticket_id
"""


def when(t: dt.datetime) -> str:
    """A moment as customers read it: 11月02日 10:00."""
    return f"{t.month:02d}月{t.day:02d}日 {t:%H:%M}"


def preferences(wh: Warehouse) -> dict[str, Preference]:
    """Each customer's preferences on file (customers without a row get the defaults)."""
    out = {}
    for cid, channel, *flags, start, end in wh.query(PREFERENCES_SQL):
        refused = frozenset(k for k, flag in zip(OPTIONAL_KINDS, flags, strict=True) if flag)
        out[cid] = Preference(channel, refused, int(start), int(end))
    return out


def _customers_by_transformer(wh: Warehouse) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for tid, cid in wh.query(CUSTOMERS_SQL):
        out.setdefault(tid, []).append(cid)
    return out


def planned_outage_candidates(
    orders: Iterable[dict], behind: dict[str, list[str]], now: dt.datetime
) -> list[Candidate]:
    """Customers behind each preventive-maintenance order's transformer, once its outage window starts within
    the notice period: the crew works on the order's due day, the MAINTENANCE_OUTAGE_HOURS before due_by."""
    out = []
    horizon = now + dt.timedelta(days=PLANNED_OUTAGE_NOTICE_DAYS)
    for order in orders:
        if order.get("kind") != PREVENTIVE or not order.get("transformer_id"):
            continue
        end = dt.datetime.fromisoformat(order["due_by"]).replace(tzinfo=None)
        start = end - dt.timedelta(hours=MAINTENANCE_OUTAGE_HOURS)
        if not now < start <= horizon:
            continue
        tid = order["transformer_id"]
        for cid in behind.get(tid, []):
            facts = {
                "transformer_id": tid,
                "start": when(start),
                "end": when(end),
                "customer_id": cid,
                "window_start": start,
            }
            stage = f"{PLANNED_OUTAGE}:{order['external_id']}"
            until = send_before(PLANNED_OUTAGE, now, now, window_start=start)
            out.append(Candidate(cid, PLANNED_OUTAGE, stage, stage, now, facts, send_before=until))
    return out


def restoration_hours(faults: list[tuple]) -> dict[str | None, float]:
    """Median hours from fault to restoration per fault type, and over all faults (key None)."""
    spans: dict[str | None, list[float]] = {}
    for _, _, at, kind, restored in faults:
        if restored is not None and restored > at:
            hours = (restored - at).total_seconds() / 3600
            spans.setdefault(kind, []).append(hours)
            spans.setdefault(None, []).append(hours)
    return {k: statistics.median(v) for k, v in spans.items()}


def fault_candidates(
    faults: list[tuple], behind: dict[str, list[str]], now: dt.datetime, reported: Iterable[tuple] = ()
) -> list[Candidate]:
    """Outage notices for faults that began within the lookback or are still under way, restored notices for
    restorations within the lookback, to every customer behind the transformer (FAULTS_SQL's rows), and the
    same for the fault outages the OMS reported (OMS_SQL's fault rows, `reported`), whose own estimate of the
    restoration is told. A SCADA fault an OMS report covers (same transformer, reported from up to 2 hours
    after it) is that report's outage, told once."""
    typical = restoration_hours(faults)
    reported = list(reported)
    covered = {
        fid
        for fid, tid, at, _, _ in faults
        for _, otid, _, _, start, _, restored in reported
        if otid == tid and start <= at + OMS_MATCH and (restored is None or restored >= at)
    }
    events = [
        (f"fault:{fid}", fid, tid, at, cause, restored, None)
        for fid, tid, at, cause, restored in faults
        if fid not in covered
    ]
    events += [
        (f"fault:oms:{oid}", f"oms:{oid}", tid, start, cause, restored, eta)
        for oid, tid, _, cause, start, eta, restored in reported
    ]
    since = now - dt.timedelta(hours=NOTICE_LOOKBACK_HOURS)
    out = []
    for group, key, tid, at, cause, restored, eta in events:
        if at > now:
            continue
        under_way = restored is None or restored > now
        hours = typical.get(cause) or typical.get(None) or DEFAULT_RESTORATION_HOURS
        eta = eta or at + dt.timedelta(hours=math.ceil(hours))
        facts = {
            "transformer_id": tid,
            "fault_at": when(at),
            "cause": cause,
            "estimated_restore_at": when(eta),
            "restored_at": when(restored) if restored is not None else "",
        }
        for cid in behind.get(tid, []):
            if at > since or under_way:
                until = send_before(OUTAGE, at, now, restore_eta=eta)
                out.append(Candidate(cid, OUTAGE, group, f"{OUTAGE}:{key}", at, facts, under_way, until))
            if not under_way and restored > since:
                until = send_before(RESTORED, restored, now)
                out.append(Candidate(cid, RESTORED, group, f"{RESTORED}:{key}", restored, facts, send_before=until))
    return out


def oms_planned_candidates(reported: Iterable[tuple], behind: dict[str, list[str]], now: dt.datetime):
    """Planned outages the OMS announced (OMS_SQL's planned rows), told like a maintenance order's window."""
    out = []
    horizon = now + dt.timedelta(days=PLANNED_OUTAGE_NOTICE_DAYS)
    for oid, tid, _, _, start, eta, restored in reported:
        if restored is not None or not now < start <= horizon:
            continue
        stage = f"{PLANNED_OUTAGE}:oms:{oid}"
        for cid in behind.get(tid, []):
            end = when(eta) if eta is not None else "另行通知"
            facts = {"transformer_id": tid, "start": when(start), "end": end, "customer_id": cid, "window_start": start}
            until = send_before(PLANNED_OUTAGE, now, now, window_start=start)
            out.append(Candidate(cid, PLANNED_OUTAGE, stage, stage, now, facts, send_before=until))
    return out


def _oms_outages(wh: Warehouse) -> list[tuple]:
    """The OMS's outage reports (the assistant's `POST /v1/outages`), none where the table does not exist yet."""
    schema, table = OMS_OUTAGES.split(".")
    found = wh.query(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", (schema, table)
    )
    return wh.query(OMS_SQL) if found[0][0] else []


def bill_candidates(bills: Iterable[tuple], advice: Iterable[tuple], as_of_date: dt.date, now: dt.datetime):
    """High-bill alerts of the month (BILLS_SQL's rows) and tariff advice (ADVICE_SQL's rows): one group per
    customer and month, so a candidate's advice becomes its alert's suggestion."""
    month = f"{as_of_date:%Y-%m}"
    group = f"bill:{month}"
    bill_until = send_before(HIGH_BILL, now, now, bill_month=as_of_date)
    advice_until = send_before(TARIFF_ADVICE, now, now)
    out = []
    for cid, kwh, bill, avg, driver, driver_zh in bills:
        bill, avg = float(bill), float(avg)
        facts = {
            "customer_id": cid,
            "as_of_date": f"{as_of_date.month:02d}月{as_of_date.day:02d}日",
            "kwh_to_date": f"{float(kwh):.1f}",
            "estimated_bill_yuan": f"{bill:.2f}",
            "previous_avg_yuan": f"{avg:.2f}",
            "increase_pct": f"{round((bill / avg - 1) * 100)}" if avg > 0 else "—",
            "main_driver": driver,
            "driver": driver_zh or "用电量增加",
        }
        out.append(Candidate(cid, HIGH_BILL, group, f"{HIGH_BILL}:{month}", now, facts, send_before=bill_until))
    for cid, saving in advice:
        facts = {"customer_id": cid, "saving_yuan": f"{float(saving):.0f}"}
        stage = f"{TARIFF_ADVICE}:{as_of_date.isoformat()}"
        out.append(Candidate(cid, TARIFF_ADVICE, group, stage, now, facts, send_before=advice_until))
    return out


def repair_candidates(tickets: Iterable[tuple], now: dt.datetime) -> list[Candidate]:
    """One candidate per repair step reached within the lookback (REPAIRS_SQL's rows)."""
    since = now - dt.timedelta(hours=NOTICE_LOOKBACK_HOURS)
    default_minutes = BuildConfig().default_arrival_minutes
    out = []
    for tid, cid, created, dispatched, arrived, resolved, minutes in tickets:
        due = created + dt.timedelta(minutes=int(minutes) if minutes is not None else default_minutes)
        steps = (
            ("assigned", dispatched, {"due_at": when(due)}),
            ("arrived", arrived, {"arrived_at": when(arrived) if arrived else ""}),
            ("resolved", resolved, {"resolved_at": when(resolved) if resolved else ""}),
        )
        for step, at, extra in steps:
            if at is not None and since < at <= now:
                facts = {"ticket_id": tid, "step": step, **extra}
                stage = f"{REPAIR_PROGRESS}:{tid}:{step}"
                until = send_before(REPAIR_PROGRESS, at, now)
                out.append(Candidate(cid, REPAIR_PROGRESS, f"ticket:{tid}", stage, at, facts, send_before=until))
    return out


def outage_candidates(wh: Warehouse, now: dt.datetime, behind: dict[str, list[str]] | None = None) -> list[Candidate]:
    """The outage part of a build: planned outages the OMS announced, and the outages and restorations the OMS
    reported or SCADA recorded, as of `now`. The nightly build runs it among the rest; the hourly build runs it
    alone on the wall clock, so an outage the OMS reports during the day is told within the hour."""
    behind = _customers_by_transformer(wh) if behind is None else behind
    reported = _oms_outages(wh)
    out = oms_planned_candidates([r for r in reported if r[2] == "planned"], behind, now)
    out += fault_candidates(wh.query(FAULTS_SQL), behind, now, [r for r in reported if r[2] == "fault"])
    return out


def candidates(wh: Warehouse, orders: Iterable[dict], as_of_date: dt.date, now: dt.datetime) -> list[Candidate]:
    """Every candidate notice of the night `now` (the data's as-of moment), `orders` being the work orders'
    payloads (the outbox's)."""
    behind = _customers_by_transformer(wh)
    since = now - dt.timedelta(hours=NOTICE_LOOKBACK_HOURS)
    out = planned_outage_candidates(orders, behind, now)
    out += outage_candidates(wh, now, behind)
    bills = wh.query(BILLS_SQL, (as_of_date.replace(day=1), HIGH_BILL_MIN_DAYS_READ))
    out += bill_candidates(bills, wh.query(ADVICE_SQL), as_of_date, now)
    out += repair_candidates(wh.query(REPAIRS_SQL, (since, since, since)), now)
    return out


def history_from_rows(rows: Iterable[tuple]) -> list[Sent]:
    """Earlier messages from (customer_id, kind, covers joined by ' ', as_of, outbox state) rows."""
    return [
        Sent(cid, kind, tuple(covers.split()), as_of, expired=state == EXPIRED)
        for cid, kind, covers, as_of, state in rows
    ]
