"""The BPMN parser: step order from the sequence flows, optional branches, extension attributes, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.process import BpmnError, parse_bpmn, parse_process_dir, steps_frame
from orchestration.process.bpmn import STEP_COLUMNS

ROOT = Path(__file__).resolve().parents[3]
PROCESS_DIR = ROOT / "docs" / "process"

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:gridcare="https://gridcare.example/schema/bpmn/1.0" id="d" targetNamespace="t">\n'
)


def _write(tmp_path: Path, body: str, name: str = "p.bpmn") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body + "\n</bpmn:definitions>\n", encoding="utf-8")
    return path


def _line(process_attrs: str, tasks: list[tuple[str, str]], flows_order: list[str]) -> str:
    """A process whose tasks are declared in `tasks` order but chained by flows in `flows_order`."""
    parts = [f'<bpmn:process id="p" {process_attrs}>', '<bpmn:startEvent id="s"/>', '<bpmn:endEvent id="e"/>']
    parts += [f'<bpmn:task id="{i}" name="{i.upper()}" {attrs}/>' for i, attrs in tasks]
    chain = ["s", *flows_order, "e"]
    parts += [
        f'<bpmn:sequenceFlow id="f{k}" sourceRef="{a}" targetRef="{b}"/>'
        for k, (a, b) in enumerate(zip(chain, chain[1:]))
    ]
    return "\n".join(parts) + "\n</bpmn:process>"


def test_repository_processes_parse_into_the_documented_steps():
    steps = parse_process_dir(PROCESS_DIR)
    fault = [
        (
            s.step_order,
            s.step_id,
            s.step_name,
            s.timestamp_column,
            s.commitment_minutes,
            s.commitment_ref,
            s.skip_deviation,
        )
        for s in steps
        if s.ticket_type == "fault_repair"
    ]
    assert fault == [
        (1, "report", "报修受理", "created_at", None, None, None),
        (2, "dispatch", "派单", "dispatched_at", 15, None, None),
        (3, "arrive", "到达现场", "arrived_at", None, "repair_commitments", "resolved_without_arrival"),
        (4, "resolve", "处理完成", "resolved_at", None, None, None),
        (5, "callback", "回访", "callback_at", 1440, None, None),
        (6, "rate", "评价", "callback_at", None, None, None),
    ]
    callback = next(s for s in steps if s.ticket_type == "fault_repair" and s.step_id == "callback")
    assert (callback.commitment_from_step_id, callback.late_deviation, callback.missing_deviation) == (
        "resolve",
        "callback_late",
        "callback_missing",
    )
    # Every request is dispatched; only a new connection's path has the site visit (gridcare:ticketTypes on
    # the gateway's flows); the rating is an optional branch of its own.
    complaint = [
        (s.step_order, s.step_id, s.is_optional, s.branch_id, s.value_column)
        for s in steps
        if s.ticket_type == "complaint"
    ]
    assert complaint == [
        (1, "accept", False, None, None),
        (2, "dispatch", False, None, None),
        (4, "resolve", False, None, None),
        (5, "callback", False, None, None),
        (6, "rate", True, "flow_rated_yes", "satisfaction"),
    ]
    application = [
        (s.step_id, s.is_optional, s.skip_deviation) for s in steps if s.ticket_type == "service_application"
    ]
    assert application[:4] == [
        ("accept", False, None),
        ("dispatch", False, None),
        ("visit", False, "resolved_without_visit"),
        ("resolve", False, None),
    ]
    # Seven ticket types follow the service request; preventive maintenance has no process.
    assert {s.ticket_type for s in steps} == {
        "fault_repair",
        "bill_inquiry",
        "payment",
        "outage_inquiry",
        "service_application",
        "tariff_policy",
        "complaint",
        "praise_suggestion",
    }
    assert len(steps) == 6 + 6 + 6 * 5


def test_order_follows_the_flows_not_the_document(tmp_path):
    body = _line(
        'gridcare:ticketTypes="payment"',
        [
            ("c", 'gridcare:timestampColumn="resolved_at"'),
            ("a", 'gridcare:timestampColumn="created_at"'),
            ("b", 'gridcare:timestampColumn="dispatched_at"'),
        ],
        ["a", "b", "c"],
    )
    steps = parse_bpmn(_write(tmp_path, body))
    assert [(s.step_id, s.step_order, s.is_optional) for s in steps] == [
        ("a", 1, False),
        ("b", 2, False),
        ("c", 3, False),
    ]


def test_frame_has_the_raw_table_columns_and_types():
    frame = steps_frame(parse_process_dir(PROCESS_DIR))
    assert tuple(frame.columns) == STEP_COLUMNS
    assert frame.shape == (42, 17)
    assert str(frame["commitment_minutes"].dtype) == "Int32"
    # report, arrive (seed-based), resolve and rate of the fault repair; accept and rate of each service
    # request type, and the new connection's visit.
    assert int(frame["commitment_minutes"].isna().sum()) == 4 + 7 * 2 + 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            _line('gridcare:ticketTypes="payment"', [("a", 'gridcare:timestampColumn="paid_at"')], ["a"]),
            "p.bpmn:6: task 'a': gridcare:timestampColumn is 'paid_at'",
        ),
        (_line("", [("a", 'gridcare:timestampColumn="created_at"')], ["a"]), "gridcare:ticketTypes is missing"),
        (
            _line('gridcare:ticketTypes="payment refund"', [("a", 'gridcare:timestampColumn="created_at"')], ["a"]),
            "unknown type(s) ['refund']",
        ),
        (
            _line(
                'gridcare:ticketTypes="payment"',
                [("a", 'gridcare:timestampColumn="created_at" gridcare:commitmentMinutes="soon"')],
                ["a"],
            ),
            "gridcare:commitmentMinutes must be a whole number",
        ),
        (
            _line(
                'gridcare:ticketTypes="payment"',
                [("a", 'gridcare:timestampColumn="created_at" gridcare:commitmentRef="sla_table"')],
                ["a"],
            ),
            "gridcare:commitmentRef 'sla_table'",
        ),
        (
            _line(
                'gridcare:ticketTypes="payment"',
                [("a", 'gridcare:timestampColumn="created_at"'), ("b", 'gridcare:timestampColumn="created_at"')],
                ["a", "b"],
            ),
            "two tasks on the path of payment are marked by the same timestamp column",
        ),
        (
            _line(
                'gridcare:ticketTypes="payment"',
                [
                    ("a", 'gridcare:timestampColumn="created_at"'),
                    ("b", 'gridcare:timestampColumn="resolved_at" gridcare:valueColumn="amount"'),
                ],
                ["a", "b"],
            ),
            "gridcare:valueColumn is 'amount'",
        ),
        (
            _line(
                'gridcare:ticketTypes="payment"',
                [
                    ("a", 'gridcare:timestampColumn="created_at"'),
                    ("b", 'gridcare:timestampColumn="callback_at" gridcare:lateDeviation="late"'),
                ],
                ["a", "b"],
            ),
            "need a commitment",
        ),
        (
            _line(
                'gridcare:ticketTypes="payment"',
                [
                    (
                        "a",
                        'gridcare:timestampColumn="created_at" '
                        'gridcare:commitmentMinutes="5" gridcare:commitmentFrom="b"',
                    ),
                    ("b", 'gridcare:timestampColumn="resolved_at"'),
                ],
                ["a", "b"],
            ),
            "gridcare:commitmentFrom 'b' must be a task before this one",
        ),
        (
            '<bpmn:process id="p" gridcare:ticketTypes="payment"><bpmn:startEvent id="s"/>'
            '<bpmn:task id="a" gridcare:timestampColumn="created_at"/><bpmn:endEvent id="e"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a" gridcare:ticketTypes="complaint"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="e"/></bpmn:process>',
            "gridcare:ticketTypes ['complaint'] are not governed by the process",
        ),
        (
            '<bpmn:process id="p" gridcare:ticketTypes="payment"><bpmn:startEvent id="s"/>'
            '<bpmn:task id="a" gridcare:timestampColumn="created_at"/><bpmn:endEvent id="e"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="a"/>'
            '<bpmn:sequenceFlow id="f3" sourceRef="a" targetRef="e"/></bpmn:process>',
            "the sequence flows loop through ['a']",
        ),
        (
            '<bpmn:process id="p" gridcare:ticketTypes="payment"><bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="x"/></bpmn:process>',
            "refers to 'x', which is no element of the process",
        ),
        ('<bpmn:process id="p"><bpmn:task id="a"></bpmn:process>', "not well-formed XML"),
    ],
)
def test_bad_definitions_are_refused_with_file_line_and_element(tmp_path, body, message):
    with pytest.raises(BpmnError) as error:
        parse_bpmn(_write(tmp_path, body))
    assert message in str(error.value)
    assert str(tmp_path / "p.bpmn") in str(error.value)


def test_flows_limited_to_ticket_types_give_each_type_its_path(tmp_path):
    body = (
        '<bpmn:process id="p" gridcare:ticketTypes="payment complaint"><bpmn:startEvent id="s"/>'
        '<bpmn:task id="a" gridcare:timestampColumn="created_at"/><bpmn:exclusiveGateway id="g"/>'
        '<bpmn:task id="v" gridcare:timestampColumn="arrived_at"/><bpmn:exclusiveGateway id="j"/>'
        '<bpmn:task id="r" gridcare:timestampColumn="resolved_at"/><bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="g"/>'
        '<bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="v" gridcare:ticketTypes="complaint"/>'
        '<bpmn:sequenceFlow id="no" sourceRef="g" targetRef="j" gridcare:ticketTypes="payment"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="v" targetRef="j"/><bpmn:sequenceFlow id="f4" sourceRef="j" targetRef="r"/>'
        '<bpmn:sequenceFlow id="f5" sourceRef="r" targetRef="e"/></bpmn:process>'
    )
    steps = parse_bpmn(_write(tmp_path, body))
    assert [(s.ticket_type, s.step_id, s.step_order, s.is_optional) for s in steps] == [
        ("payment", "a", 1, False),
        ("payment", "r", 3, False),
        ("complaint", "a", 1, False),
        ("complaint", "v", 2, False),
        ("complaint", "r", 3, False),
    ]


def test_a_ticket_type_in_two_processes_is_refused(tmp_path):
    for name in ("a.bpmn", "b.bpmn"):
        _write(
            tmp_path,
            _line('gridcare:ticketTypes="payment"', [("x", 'gridcare:timestampColumn="created_at"')], ["x"]).replace(
                'id="p"', f'id="{name[0]}"'
            ),
            name,
        )
    with pytest.raises(BpmnError, match="ticket type payment belongs to two processes, a and b"):
        parse_process_dir(tmp_path)


def test_external_entities_are_refused_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    path = tmp_path / "p.bpmn"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        + HEAD.split("\n", 1)[1]
        + _line('gridcare:ticketTypes="payment"', [("a", 'gridcare:timestampColumn="created_at"')], ["a"]).replace(
            'name="A"', 'name="&x;"'
        )
        + "\n</bpmn:definitions>\n",
        encoding="utf-8",
    )
    with pytest.raises(BpmnError, match="external entity 'x'") as error:
        parse_bpmn(path)
    assert "top secret" not in str(error.value)
