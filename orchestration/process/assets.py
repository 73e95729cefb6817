"""Service processes: the BPMN files in docs/process/ parsed into the steps conformance is checked against.

The BPMN files are the single definition of the standard paths; dbt reads the parsed steps as the source
`bpmn.raw_bpmn__process_steps`, so editing a file (and rerunning) changes event logs and verdicts without
code changes.
"""

import dagster as dg

from orchestration.process import PROCESS_STEPS_TABLE, write_process_steps
from orchestration.resources import PROCESS_DIR, WarehouseResource


@dg.asset(name=PROCESS_STEPS_TABLE, group_name="process", kinds={"bpmn", "python"})
def raw_bpmn__process_steps(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """raw.raw_bpmn__process_steps: one row per process step and ticket type, parsed from the BPMN 2.0
    files in docs/process/ (step order from the sequence flows, the ticket timestamp marking each step,
    commitments from gridcare:* extension attributes)."""
    steps = write_process_steps(warehouse.get(), PROCESS_DIR)
    table = {(s.process_id, s.step_order, s.step_id, s.step_name, s.timestamp_column) for s in steps}
    lines = ["| process | order | step | name | timestamp |", "|---|---|---|---|---|"]
    lines += [f"| {p} | {o} | {i} | {n} | {c} |" for p, o, i, n, c in sorted(table)]
    return dg.MaterializeResult(
        metadata={
            "rows": len(steps),
            "processes": len({s.process_id for s in steps}),
            "steps": dg.MetadataValue.md("\n".join(lines)),
        }
    )


process_assets = [raw_bpmn__process_steps]
