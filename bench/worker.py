"""The measured side of a case, run in a child process by `bench.measure.run_worker`.

`python -m bench.worker platform --first-day D --last-day D --out r.json` runs a job of the platform over
a range of days (configuration from the environment the harness sets: LANDING_DIR, WAREHOUSE_URL,
DAGSTER_HOME, PARTITIONS_START) and writes each step's wall time and the dbt models' times.
`python -m bench.worker reference --landing DIR --db FILE --out r.json` runs the hand-written DuckDB reference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path


def platform(first_day: dt.date, last_day: dt.date, job: str) -> dict:
    """Run `job` over [first_day, last_day] through the Dagster instance and time its steps from the event log."""
    import dagster as dg

    from orchestration.cli import run_pipeline

    days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    instance = dg.DagsterInstance.get()
    start = time.perf_counter()
    result = run_pipeline(job_name=job, instance=instance, days=days)
    wall = time.perf_counter() - start
    if not result.success:
        failures = [e.step_failure_data.error.message.strip() for e in result.all_events if e.is_step_failure]
        raise SystemExit(f"run {result.run_id} failed: {failures}")
    steps: dict[str, dict] = {}
    models: dict[str, float] = {}
    tests: dict[str, float] = {}
    for record in instance.all_logs(result.run_id):
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        step = steps.setdefault(event.step_key, {})
        if event.event_type_value == "STEP_START":
            step["start"] = record.timestamp
        elif event.event_type_value == "STEP_SUCCESS":
            step["seconds"] = round(record.timestamp - step.get("start", record.timestamp), 3)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            check = event.event_specific_data
            duration = check.metadata.get("Execution Duration")
            if duration is not None:
                tests[f"{check.asset_key.to_user_string()}:{check.check_name}"] = round(float(duration.value), 3)
        elif event.event_type_value == "ASSET_MATERIALIZATION":
            mat = event.event_specific_data.materialization
            meta = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
            key = mat.asset_key.to_user_string()
            if "Execution Duration" in meta:
                models[key] = round(float(meta["Execution Duration"]), 3)
            for k in ("rows_read", "rows_loaded", "rows_quarantined", "files_loaded"):
                if k in meta:
                    step.setdefault("rows", {})[k] = meta[k]
    for step in steps.values():
        step.pop("start", None)
    return {
        "run_seconds": round(wall, 3),
        "days": len(days),
        # Before the first step: run creation (one planned event per asset and partition) and plan building.
        "run_overhead_seconds": round(wall - sum(s.get("seconds", 0) for s in steps.values()), 3),
        "steps": steps,
        "dbt_models": models,
        "dbt_tests": tests,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("platform")
    p.add_argument("--first-day", type=dt.date.fromisoformat, required=True)
    p.add_argument("--last-day", type=dt.date.fromisoformat, required=True)
    p.add_argument("--job", default="build_warehouse")
    r = sub.add_parser("reference")
    r.add_argument("--landing", type=Path, required=True)
    r.add_argument("--db", type=Path, required=True)
    for s in (p, r):
        s.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.what == "platform":
        out = platform(args.first_day, args.last_day, args.job)
    else:
        from bench.reference import run_reference

        out = run_reference(args.landing, args.db)
    args.out.write_text(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
