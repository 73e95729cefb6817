"""Process conformance, identity resolution and channel KPIs on crafted rows, on each engine.

One build of the process and contact marts (and what they read) per engine; the last test edits a copy
of the BPMN files (the dispatch step removed from fault repair), reloads the process steps through the
asset's library code and rebuilds, so it must stay last in the module.
"""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from lxml import etree

from tests.dbt import crafted_process as crafted
from tests.dbt.conftest import PROCESS_DIR

MARTS = (
    "+ticket_process_conformance +fct_ticket_events +fct_ticket_deviations +process_kpis "
    "+customer_contact_timeline +channel_kpis"
)


@pytest.fixture(scope="module")
def built(warehouse):
    """The warehouse after loading the crafted rows and building the process and contact marts."""
    warehouse.insert(crafted.dataset())
    warehouse.dbt("build", "--select", MARTS, "--indirect-selection", "cautious")
    return warehouse


def _conformance(warehouse) -> dict:
    return {
        r["ticket_id"]: (r["is_conformant"], r["deviations"], r["path_taken"])
        for r in warehouse.query("select * from marts.ticket_process_conformance")
    }


def test_conformance_verdicts_and_deviations_per_ticket(built):
    assert _conformance(built) == crafted.EXPECTED_CONFORMANCE


def test_time_in_each_step_longest_wait_and_missed_commitments(built):
    rows = {r["ticket_id"]: r for r in built.query("select * from marts.ticket_process_conformance")}
    got = {
        t: (
            rows[t]["minutes_per_step"],
            rows[t]["longest_wait_step"],
            rows[t]["longest_wait_minutes"],
            rows[t]["missed_commitments"],
        )
        for t in crafted.EXPECTED_STEP_TIMES
    }
    expected = {t: (m, s, Decimal(w), c) for t, (m, s, w, c) in crafted.EXPECTED_STEP_TIMES.items()}
    assert got == expected
    assert (rows["T_REOPEN"]["is_reopened"], rows["T_REOPEN"]["delivery_count"], rows["T_REOPEN"]["event_count"]) == (
        True,
        3,
        10,
    )


def test_event_log_has_one_row_per_step_reached_and_time(built):
    events = built.query(
        "select case_id, activity, event_at, occurrence, worker_id, process_id from marts.fct_ticket_events "
        "where case_id = 'T_REOPEN' order by event_rank"
    )
    assert [(e["activity"], e["occurrence"], e["worker_id"]) for e in events] == [
        ("报修受理", 1, "W1"),
        ("派单", 1, "W1"),
        ("到达现场", 1, "W1"),
        ("处理完成", 1, "W1"),
        ("回访", 1, "W1"),
        ("派单", 2, "W2"),
        ("到达现场", 2, "W2"),
        ("处理完成", 2, "W2"),
        ("回访", 2, "W2"),
        ("评价", 1, "W2"),
    ]
    (total,) = built.query("select count(*) as n, count(distinct case_id) as cases from marts.fct_ticket_events")
    # 6+4+4+5+10+2 fault-repair events, 5+5+4+5+3+3+3 service-request events; the inspection S_PM has no
    # process, and S_OLD's unknown callback is no event.
    assert (total["n"], total["cases"]) == (59, 13)


def test_deviation_counts_for_top_deviations(built):
    counts = {
        r["deviation"]: r["n"]
        for r in built.query("select deviation, count(*) as n from marts.fct_ticket_deviations group by deviation")
    }
    assert counts == {
        "resolved_without_arrival:arrive": 1,
        "skipped_step:dispatch": 1,
        "out_of_order:arrive": 1,
        "reopened": 1,
        "resolved_without_visit:visit": 1,
        "callback_late:callback": 1,
        "callback_missing:callback": 1,
    }


def test_process_kpis_callback_and_rating_rates(built):
    rows = built.query("select * from marts.process_kpis")
    got = {
        (r["resolved_date"], r["district"], r["ticket_type"]): {
            k: (str(r[k]) if isinstance(r[k], Decimal) else r[k]) for k in crafted._PROCESS_KPI_COLUMNS
        }
        for r in rows
    }
    assert got == crafted.EXPECTED_PROCESS_KPIS


def test_unknown_callback_is_not_judged(built):
    """S_OLD's only file predates the callback column; S_NOTDUE's callback is not due yet."""
    steps = {
        r["ticket_id"]: (r["is_known"], r["is_overdue"])
        for r in built.query(
            "select ticket_id, is_known, is_overdue from intermediate.int_ticket_steps_evaluated "
            "where step_id = 'callback' and ticket_id in ('S_OLD', 'S_NOTDUE', 'S_MISSING')"
        )
    }
    assert steps == {"S_OLD": (False, False), "S_NOTDUE": (True, False), "S_MISSING": (True, True)}


def test_identity_resolution_by_unique_phone(built):
    resolved = {
        r["interaction_id"]: (r["customer_id"], r["identity_resolution"])
        for r in built.query("select * from intermediate.int_interactions_resolved_to_customers")
    }
    assert resolved == crafted.EXPECTED_IDENTITY


def test_customer_timeline_across_channels(built):
    timeline = built.query(
        "select * from marts.customer_contact_timeline where customer_id = 'CU1' order by contact_seq"
    )
    assert [(r["contact_id"], r["channel"], r["previous_channel"], r["is_repeat_contact"]) for r in timeline] == (
        crafted.EXPECTED_CU1_TIMELINE
    )
    call = next(r for r in timeline if r["contact_id"] == "I2")
    assert (call["identity_resolution"], call["minutes_since_previous"], call["topic"]) == (
        "phone_match",
        Decimal("120.00"),
        "bill_inquiry",
    )
    # The shared number's family has no contact; the formatted caller ID reached CU3.
    owners = {r["customer_id"] for r in built.query("select distinct customer_id from marts.customer_contact_timeline")}
    assert owners == {"CU1", "CU2", "CU3"}


def test_channel_kpis_exact_values(built):
    rows = built.query("select * from marts.channel_kpis")
    got = {
        (r["contact_date"], r["channel"], r["district"]): {
            k: (str(r[k]) if isinstance(r[k], Decimal) else r[k])
            for k in crafted.EXPECTED_KPIS[next(iter(crafted.EXPECTED_KPIS))]
        }
        for r in rows
    }
    assert got == crafted.EXPECTED_KPIS


def _remove_task(source, target, task_id: str) -> None:
    """Copy a BPMN file without one task: its incoming flow is rerouted to its successor, the diagram cleaned."""
    tree = etree.parse(str(source))
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
    task = tree.find(f".//bpmn:*[@id='{task_id}']", ns)
    out_flow = tree.find(f".//bpmn:sequenceFlow[@sourceRef='{task_id}']", ns)
    in_flow = tree.find(f".//bpmn:sequenceFlow[@targetRef='{task_id}']", ns)
    in_flow.set("targetRef", out_flow.get("targetRef"))
    for gone in (task, out_flow):
        gone.getparent().remove(gone)
        for shape in tree.findall(f".//bpmndi:*[@bpmnElement='{gone.get('id')}']", ns):
            shape.getparent().remove(shape)
    tree.write(str(target), xml_declaration=True, encoding="UTF-8")


def test_removing_a_step_from_the_bpmn_changes_the_verdicts(built, tmp_path):
    """Last in the module: the warehouse keeps the edited process afterwards."""
    edited = tmp_path / "process"
    shutil.copytree(PROCESS_DIR, edited)
    _remove_task(PROCESS_DIR / "fault_repair.bpmn", edited / "fault_repair.bpmn", "dispatch")
    built.load_process_steps(edited)
    built.dbt(
        "build", "--select", "stg_bpmn__process_steps+,+ticket_process_conformance", "--indirect-selection", "cautious"
    )
    verdicts = _conformance(built)
    assert {t: verdicts[t] for t in crafted.EXPECTED_WITHOUT_DISPATCH} == crafted.EXPECTED_WITHOUT_DISPATCH
    # The service request is untouched.
    assert verdicts["S_NOVISIT"] == crafted.EXPECTED_CONFORMANCE["S_NOVISIT"]
