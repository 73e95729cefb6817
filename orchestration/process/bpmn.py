"""BPMN 2.0 process definitions → the steps a ticket must pass, in order, with their commitments.

The BPMN files in docs/process/ are the single definition of the service processes. Each task names the
ticket timestamp column that marks it (`gridcare:timestampColumn`, and `gridcare:valueColumn` when a value
must be given too) and may carry a commitment; the order of the steps is the order of the sequence flows
from the start event. A flow may be limited to some ticket types (`gridcare:ticketTypes`): each type's
path keeps only the flows open to it, so which types need a site visit is said in the file. On a type's
path, a task every path from the start to an end event passes through is mandatory; a task on a gateway
branch is optional, and the tasks of one branch go together (`branch_id`). The extension attributes are
documented in docs/process/README.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
from lxml import etree

from domain.codes import TICKET_TYPES
from orchestration.ingestion.contract import DATASETS
from orchestration.warehouse import RAW_SCHEMA, Warehouse

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
GRIDCARE_NS = "https://gridcare.example/schema/bpmn/1.0"
TASK_TAGS = frozenset(
    f"{{{BPMN_NS}}}{t}"
    for t in (
        "task",
        "userTask",
        "serviceTask",
        "manualTask",
        "scriptTask",
        "sendTask",
        "receiveTask",
        "businessRuleTask",
    )
)
GATEWAY_TAGS = frozenset(
    f"{{{BPMN_NS}}}{t}" for t in ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway")
)
# A step is marked by one of the ticket's timestamps (docs/landing_contract.md, service_tickets).
TIMESTAMP_COLUMNS = tuple(c.name for c in DATASETS["service_tickets"].columns if c.type == "timestamp")
# Ticket columns whose value marks a step besides its timestamp (the rating 评价 is a given satisfaction);
# dbt's ticket_value_columns() macro lists the same.
VALUE_COLUMNS = ("satisfaction",)
# Commitments that live in a seed beside the model, varying by the customer's area type.
COMMITMENT_REFS = ("repair_commitments",)

PROCESS_STEPS_TABLE = "raw_bpmn__process_steps"
# Columns of raw.raw_bpmn__process_steps, in table order (plus _loaded_at).
STEP_COLUMNS = (
    "process_id",
    "process_name",
    "ticket_type",
    "step_id",
    "step_name",
    "step_order",
    "timestamp_column",
    "is_optional",
    "branch_id",
    "commitment_minutes",
    "commitment_ref",
    "skip_deviation",
    "source_file",
    "value_column",
    "commitment_from_step_id",
    "late_deviation",
    "missing_deviation",
)


class BpmnError(ValueError):
    """A BPMN file that cannot serve as a process definition; the message names file, line and element."""


@dataclass(frozen=True)
class ProcessStep:
    """One task of a process, for one ticket type the process applies to."""

    process_id: str
    process_name: str
    ticket_type: str
    step_id: str
    step_name: str
    step_order: int
    timestamp_column: str
    is_optional: bool
    branch_id: str | None
    commitment_minutes: int | None
    commitment_ref: str | None
    skip_deviation: str | None
    source_file: str
    value_column: str | None = None
    commitment_from_step_id: str | None = None
    late_deviation: str | None = None
    missing_deviation: str | None = None


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _where(path: Path, element: etree._Element) -> str:
    return f"{path}:{element.sourceline}: {_local(element)} '{element.get('id', '?')}'"


def _ext(element: etree._Element, name: str) -> str | None:
    value = element.get(f"{{{GRIDCARE_NS}}}{name}")
    return value.strip() if value is not None and value.strip() else None


def _topological(nodes: list[str], edges: dict[str, list[str]], start: str) -> list[str]:
    """Nodes reachable from `start`, each after all its reachable predecessors; ties keep document order."""
    reachable, stack = {start}, [start]
    while stack:
        for nxt in edges[stack.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                stack.append(nxt)
    indegree = {n: 0 for n in reachable}
    for n in reachable:
        for nxt in edges[n]:
            indegree[nxt] += 1
    position = {n: i for i, n in enumerate(nodes)}
    ready, order = [start], []
    while ready:
        ready.sort(key=position.__getitem__)
        node = ready.pop(0)
        order.append(node)
        for nxt in edges[node]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    if len(order) < len(reachable):
        stuck = [n for n in reachable if n not in order]
        raise ValueError(sorted(n for n in stuck if _reaches(edges, n, n)))
    return order


def _reaches(edges: dict[str, list[str]], start: str, goal: str) -> bool:
    seen, stack = set(), list(edges[start])
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges[node])
    return False


def _reaches_end(edges: dict[str, list[str]], start: str, ends: set[str], without: str) -> bool:
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node in ends:
            return True
        for nxt in edges[node]:
            if nxt != without and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _branch(task: str, incoming: dict[str, list[tuple[str, str]]], outgoing: dict[str, list[str]]) -> str | None:
    """The flow leaving the diverging gateway that leads (through single-entry nodes) to an optional task."""
    node = task
    while len(incoming[node]) == 1:
        flow, source = incoming[node][0]
        if len(outgoing[source]) > 1:
            return flow
        node = source
    return None


def _task_attributes(path: Path, task: etree._Element, order: dict[str, int]) -> dict:
    """The gridcare:* attributes of one task, checked (each error names file, line and element)."""
    column = _ext(task, "timestampColumn")
    if column not in TIMESTAMP_COLUMNS:
        raise BpmnError(
            f"{_where(path, task)}: gridcare:timestampColumn is {column!r}; it must name a ticket "
            f"timestamp column ({', '.join(TIMESTAMP_COLUMNS)})"
        )
    value = _ext(task, "valueColumn")
    if value is not None and value not in VALUE_COLUMNS:
        raise BpmnError(f"{_where(path, task)}: gridcare:valueColumn is {value!r}; it must be one of {VALUE_COLUMNS}")
    minutes, ref = _ext(task, "commitmentMinutes"), _ext(task, "commitmentRef")
    if minutes is not None and (not minutes.isdigit() or ref is not None):
        raise BpmnError(
            f"{_where(path, task)}: gridcare:commitmentMinutes must be a whole number of minutes "
            f"and exclusive of gridcare:commitmentRef (got {minutes!r}, {ref!r})"
        )
    if ref is not None and ref not in COMMITMENT_REFS:
        raise BpmnError(f"{_where(path, task)}: gridcare:commitmentRef {ref!r} is not one of {COMMITMENT_REFS}")
    origin = _ext(task, "commitmentFrom")
    if origin is not None and order.get(origin, len(order)) >= order[task.get("id")]:
        raise BpmnError(f"{_where(path, task)}: gridcare:commitmentFrom {origin!r} must be a task before this one")
    late, missing = _ext(task, "lateDeviation"), _ext(task, "missingDeviation")
    if (late or missing or origin) and minutes is None and ref is None:
        raise BpmnError(
            f"{_where(path, task)}: gridcare:lateDeviation, missingDeviation and commitmentFrom need "
            "a commitment (gridcare:commitmentMinutes or commitmentRef)"
        )
    return dict(
        timestamp_column=column,
        value_column=value,
        commitment_minutes=int(minutes) if minutes is not None else None,
        commitment_ref=ref,
        commitment_from_step_id=origin,
        skip_deviation=_ext(task, "skipDeviation"),
        late_deviation=late,
        missing_deviation=missing,
    )


def _process_steps(path: Path, process: etree._Element, source_file: str) -> list[ProcessStep]:
    process_id = process.get("id")
    process_name = process.get("name") or process_id
    types = (_ext(process, "ticketTypes") or "").split()
    if not types:
        raise BpmnError(f"{_where(path, process)}: gridcare:ticketTypes is missing (the ticket types it governs)")
    unknown = [t for t in types if t not in TICKET_TYPES]
    if unknown:
        raise BpmnError(
            f"{_where(path, process)}: gridcare:ticketTypes has unknown type(s) {unknown}; "
            f"known: {', '.join(TICKET_TYPES)}"
        )

    elements = {e.get("id"): e for e in process if isinstance(e.tag, str) and e.get("id")}
    nodes = [i for i, e in elements.items() if _local(e) != "sequenceFlow"]
    flows: list[tuple[str, str, str, set[str]]] = []  # (flow id, source, target, ticket types it is open to)
    for flow_id, flow in elements.items():
        if _local(flow) != "sequenceFlow":
            continue
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        for ref in (source, target):
            if ref not in nodes:
                raise BpmnError(f"{_where(path, flow)}: refers to '{ref}', which is no element of the process")
        open_to = set((_ext(flow, "ticketTypes") or " ".join(types)).split())
        if open_to - set(types):
            raise BpmnError(
                f"{_where(path, flow)}: gridcare:ticketTypes {sorted(open_to - set(types))} are not "
                f"governed by the process ({' '.join(types)})"
            )
        flows.append((flow_id, source, target, open_to))

    def graph(ticket_type: str | None) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, str]]]]:
        outgoing: dict[str, list[str]] = {n: [] for n in nodes}
        incoming: dict[str, list[tuple[str, str]]] = {n: [] for n in nodes}
        for flow_id, source, target, open_to in flows:
            if ticket_type is None or ticket_type in open_to:
                outgoing[source].append(target)
                incoming[target].append((flow_id, source))
        return outgoing, incoming

    starts = [n for n in nodes if _local(elements[n]) == "startEvent"]
    ends = {n for n in nodes if _local(elements[n]) == "endEvent"}
    if len(starts) != 1 or not ends:
        raise BpmnError(
            f"{_where(path, process)}: needs exactly one startEvent and at least one endEvent "
            f"(found {len(starts)} and {len(ends)})"
        )
    try:
        order = _topological(nodes, graph(None)[0], starts[0])
    except ValueError as loop:
        raise BpmnError(
            f"{_where(path, process)}: the sequence flows loop through {loop.args[0]}; a standard "
            "process is a path without loops (a reopened ticket is a deviation, not a step)"
        ) from None
    tasks = [n for n in order if elements[n].tag in TASK_TAGS]
    stray = [n for n in nodes if elements[n].tag in TASK_TAGS and n not in tasks]
    if stray:
        raise BpmnError(f"{_where(path, elements[stray[0]])}: not reachable from the start event")
    position = {task_id: k for k, task_id in enumerate(tasks, start=1)}
    attributes = {task_id: _task_attributes(path, elements[task_id], position) for task_id in tasks}

    steps: list[ProcessStep] = []
    for ticket_type in types:
        outgoing, incoming = graph(ticket_type)
        if not _reaches_end(outgoing, starts[0], ends, without=""):
            raise BpmnError(
                f"{_where(path, process)}: no path from start to end is open to {ticket_type} "
                "(gridcare:ticketTypes on the flows)"
            )
        # The type's path: tasks on some flow from the start to an end open to the type.
        on_path = [t for t in tasks if _reaches(outgoing, starts[0], t) and _reaches_end(outgoing, t, ends, "")]
        marks = [(attributes[t]["timestamp_column"], attributes[t]["value_column"]) for t in on_path]
        if len(set(marks)) < len(marks):
            raise BpmnError(
                f"{_where(path, process)}: two tasks on the path of {ticket_type} are marked by the "
                f"same timestamp column (and value column) {marks}"
            )
        for task_id in on_path:
            origin = attributes[task_id]["commitment_from_step_id"]
            if origin is not None and origin not in on_path:
                raise BpmnError(
                    f"{_where(path, elements[task_id])}: gridcare:commitmentFrom {origin!r} is not on "
                    f"the path of {ticket_type}"
                )
            optional = _reaches_end(outgoing, starts[0], ends, without=task_id)
            steps.append(
                ProcessStep(
                    process_id=process_id,
                    process_name=process_name,
                    ticket_type=ticket_type,
                    step_id=task_id,
                    step_name=elements[task_id].get("name") or task_id,
                    step_order=position[task_id],
                    is_optional=optional,
                    branch_id=_branch(task_id, incoming, outgoing) if optional else None,
                    source_file=source_file,
                    **attributes[task_id],
                )
            )
    return steps


def parse_bpmn(path: Path, source_file: str | None = None) -> list[ProcessStep]:
    """The steps of every process in one BPMN file (one entry per step and ticket type)."""
    # No entities, no network: a process file is data, never a way to read other files.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise BpmnError(f"{path}:{exc.lineno}: not well-formed XML: {exc.msg}") from None
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise BpmnError(f"{path}:{root.sourceline}: root element is {root.tag}, not BPMN 2.0 definitions")
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if not processes:
        raise BpmnError(f"{path}: holds no bpmn:process")
    name = source_file or path.name
    return [step for process in processes for step in _process_steps(path, process, name)]


def parse_process_dir(folder: Path) -> list[ProcessStep]:
    """The steps of every `*.bpmn` file of a folder; a ticket type governed by two processes is an error."""
    steps: list[ProcessStep] = []
    for path in sorted(folder.glob("*.bpmn")):
        steps += parse_bpmn(path)
    owner: dict[str, str] = {}
    for s in steps:
        if owner.setdefault(s.ticket_type, s.process_id) != s.process_id:
            raise BpmnError(
                f"{folder}: ticket type {s.ticket_type} belongs to two processes, "
                f"{owner[s.ticket_type]} and {s.process_id} ({s.source_file})"
            )
    if not steps:
        raise BpmnError(f"{folder}: no *.bpmn process definitions")
    return steps


def steps_frame(steps: Iterable[ProcessStep]) -> pd.DataFrame:
    """The steps as the pandas frame written to raw.raw_bpmn__process_steps (types fixed for both engines)."""
    frame = pd.DataFrame([asdict(s) for s in steps], columns=list(STEP_COLUMNS))
    types = {c: "string" for c in STEP_COLUMNS} | {
        "step_order": "int32",
        "is_optional": "bool",
        "commitment_minutes": "Int32",
    }
    return frame.astype(types)


def write_process_steps(warehouse: Warehouse, folder: Path) -> list[ProcessStep]:
    """Parse every process of `folder` and replace raw.raw_bpmn__process_steps with its steps."""
    steps = parse_process_dir(folder)
    # Stamped like every raw table, so dbt's source freshness reads the same column.
    frame = steps_frame(steps).assign(_loaded_at=pd.Timestamp.now().floor("s"))
    warehouse.replace_table(RAW_SCHEMA, PROCESS_STEPS_TABLE, frame)
    return steps
