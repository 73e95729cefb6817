"""Service processes defined in BPMN (docs/process/): parsed into the steps conformance checks against."""

from .bpmn import (
    PROCESS_STEPS_TABLE,
    BpmnError,
    ProcessStep,
    parse_bpmn,
    parse_process_dir,
    steps_frame,
    write_process_steps,
)

__all__ = [
    "PROCESS_STEPS_TABLE",
    "BpmnError",
    "ProcessStep",
    "parse_bpmn",
    "parse_process_dir",
    "steps_frame",
    "write_process_steps",
]
