"""Command line: `python -m orchestration run` runs the whole pipeline on what is in LANDING_DIR.

The run goes through the Dagster instance in DAGSTER_HOME (data/dagster by default via the Makefile), so
every run started here appears in the Dagster UI with its logs, metadata and asset checks. Its steps execute
where the jobs' executor sends them (DAGSTER_EXECUTOR, see docs/operations.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
import time

import dagster as dg

from orchestration.bi.publish import superset_connection
from orchestration.ingestion.contract import DAILY
from orchestration.ingestion.files import discover
from orchestration.resources import DBT_PROJECT_DIR, PROJECT_ROOT, SETTINGS, Settings
from orchestration.warehouse import RAW_SCHEMA, Warehouse

DBT_TARGET = DBT_PROJECT_DIR / "target"

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def landed_days(settings: Settings) -> list[dt.date]:
    """Days for which any daily dataset has a file in LANDING_DIR."""
    days: set[dt.date] = set()
    for ds in DAILY:
        files, _ = discover(settings.landing_dir, ds)
        days.update(f.day for f in files)
    return sorted(days)


def run_pipeline(
    settings: Settings = SETTINGS,
    job_name: str = "nightly",
    instance: dg.DagsterInstance | None = None,
    days: list[dt.date] | None = None,
    quick_training: bool = False,
) -> dg.ExecuteInProcessResult:
    """Materialize every asset of `job_name` for all landed days in one run."""
    from orchestration.definitions import defs
    from orchestration.resources import build_resources

    days = days if days is not None else landed_days(settings)
    if not days:
        raise SystemExit(f"no daily landing files under {settings.landing_dir}: run `make data` or set LANDING_DIR")
    job = defs.resolve_job_def(job_name)
    tags = {
        "dagster/asset_partition_range_start": days[0].isoformat(),
        "dagster/asset_partition_range_end": days[-1].isoformat(),
    }
    run_config = {**QUIET_LOGS, **(_quick_training(job) if quick_training else {})}
    instance = instance or dg.DagsterInstance.get()
    # Steps in other processes (multiprocess, Celery workers, Kubernetes pods) rebuild the job by importing
    # this module and build their resources from their own environment, and report to a persistent instance:
    # settings other than the environment's (tests, notebooks) or an ephemeral instance keep the run here.
    if job.executor_def.name == dg.in_process_executor.name or settings != SETTINGS or instance.is_ephemeral:
        return job.execute_in_process(
            instance=instance,
            tags=tags,
            run_config=run_config,
            resources=build_resources(settings),
            raise_on_error=False,
        )
    recon_job = dg.build_reconstructable_job(
        "orchestration.cli",
        "resolve_job",
        reconstructable_args=(job_name,),
        reconstructor_working_directory=str(PROJECT_ROOT),
    )
    return dg.execute_job(recon_job, instance=instance, tags=tags, run_config=run_config, raise_on_error=False)


def failures(result) -> list[str]:
    """One line per failed step of a run, with the exception that ended it (the innermost cause), or the run's
    own failure when no step failed (a step process that died, an executor that could not start)."""
    lines = []
    for event in result.all_events:
        if event.is_step_failure:
            lines.append(f"step {event.step_key} failed: {_innermost(event.step_failure_data.error)}")
        elif event.is_step_skipped:
            lines.append(f"step {event.step_key} skipped: an upstream step failed")
    if not any(line.startswith("step") and "failed" in line for line in lines):
        lines += [f"run failed: {event.message}" for event in result.all_events if event.is_run_failure]
    return lines


DBT_ERRORS = "Errors parsed from dbt logs:"


def _innermost(error) -> str:
    """The message of the deepest cause of a Dagster SerializableErrorInfo (the user code's exception)."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    head, _, dbt_errors = error.message.strip().partition(DBT_ERRORS)
    # dagster-dbt puts dbt's own error lines (the failing model and its database error) after a fixed heading:
    # they, not the command line before them, say what went wrong.
    lines = [line for line in dbt_errors.splitlines() if line.strip()][:6]
    return " ".join(head.splitlines()[:3] + ([DBT_ERRORS, *lines] if lines else []))


def resolve_job(name: str) -> dg.JobDefinition:
    """The code location's job `name`: how step processes of an out-of-process run rebuild it."""
    from orchestration.definitions import defs

    return defs.resolve_job_def(name)


def _quick_training(job) -> dict:
    from orchestration.jobs import TRAINING_ASSETS

    # The job's own steps: its asset graph also holds assets it does not run, and config for those is refused.
    ops = {n for n in TRAINING_ASSETS if job.graph.has_node_named(n)}
    return {"ops": {n: {"config": {"quick": True}} for n in ops}}


def summary(settings: Settings = SETTINGS) -> str:
    """Rows per table of the warehouse, rows quarantined, and where to look next."""
    wh = Warehouse(settings.warehouse_url)
    tables = wh.query(
        """SELECT table_schema, table_name FROM information_schema.tables
           WHERE table_schema IN ('raw', 'staging', 'intermediate', 'marts', 'ml', 'serving')
             AND table_type = 'BASE TABLE' ORDER BY 1, 2"""
    )
    lines = [f"Warehouse {wh.url.redacted()}", f"  {'table':<48}{'rows':>12}"]
    for schema, table in tables:
        n = wh.query(f'SELECT count(*) FROM {schema}."{table}"')[0][0]
        lines.append(f"  {schema + '.' + table:<48}{n:>12,}")
    rejects = wh.query(f"SELECT dataset, count(*) FROM {RAW_SCHEMA}.rejects GROUP BY dataset ORDER BY dataset")
    files = wh.query(f"SELECT source_file, message FROM {RAW_SCHEMA}.load_log WHERE status = 'rejected' ORDER BY 1")
    lines.append("Rows quarantined in raw.rejects: " + (", ".join(f"{d} {n:,}" for d, n in rejects) or "none"))
    for _, m in files:
        lines.append(f"  file rejected whole: {m}")
    lines += [
        "Next: `make ui` (Dagster UI on http://127.0.0.1:3000), "
        "`SELECT * FROM raw.rejects` for quarantined rows, docs/landing_contract.md for the file contract.",
    ]
    return "\n".join(lines)


def dbt_docs(settings: Settings = SETTINGS) -> int:
    """`dbt docs generate` against the configured warehouse (catalog needs the built tables)."""
    from orchestration.resources import build_resources

    dbt = build_resources(settings)["dbt"]
    invocation = dbt.cli(["docs", "generate"], raise_on_error=False, target_path=DBT_TARGET)
    invocation.wait()
    print(
        f"dbt docs written to {DBT_TARGET}/index.html (serve with: .venv/bin/dbt docs serve "
        f"--project-dir dbt_project --profiles-dir dbt_project --target-path target)"
    )
    return 0 if invocation.is_successful() else 1


def kb_search(question: str) -> tuple[str, bool]:
    """The best knowledge article for `question` with its numbered steps, then the next two candidates.

    Returns the text to print and whether an article fitted (`KnowledgeBase.best`).
    """
    from ml.knowledge import KnowledgeBase

    kb = KnowledgeBase.from_dir()
    hits = kb.search(question, k=3)
    best = kb.best(question)
    lines = []
    if best is None:
        lines.append(f"没有找到与“{question}”匹配的知识文章。")
    else:
        lines += [f"{best.title}  [{best.article_id} · {best.category} · 得分 {best.score:.2f}]"]
        lines += [f"  {i}. {step}" for i, step in enumerate(best.steps, start=1)]
    others = [h for h in hits if best is None or h.article_id != best.article_id][:2]
    if others:
        lines.append("其他候选：")
        lines += [f"  {h.title}  [{h.article_id} · 得分 {h.score:.2f}]" for h in others]
    return "\n".join(lines), best is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the whole pipeline on LANDING_DIR")
    run.add_argument("--job", default="nightly")
    run.add_argument(
        "--quick-training",
        action="store_true",
        help="train any model the store lacks with its small preset (smoke runs, tests), not for production",
    )
    sub.add_parser("summary", help="print rows per table and quarantine counts")
    sub.add_parser("dbt-docs", help="generate the dbt docs site into dbt_project/target")
    sub.add_parser("superset-env", help="print how Superset reaches WAREHOUSE_URL (shell assignments, for make)")
    kb = sub.add_parser("kb", help="the knowledge base of service articles")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_sub.add_parser("search", help="best article for a question, e.g. kb search 如何申请峰谷电价？").add_argument(
        "question"
    )
    args = parser.parse_args(argv)
    if args.command == "kb":
        text, found = kb_search(args.question)
        print(text)
        return 0 if found else 1
    if args.command == "dbt-docs":
        return dbt_docs()
    if args.command == "superset-env":
        for name, value in superset_connection(SETTINGS.warehouse).items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    if args.command == "run":
        start = time.perf_counter()
        print(f"Running job {args.job} on {SETTINGS.landing_dir} → {SETTINGS.warehouse.redacted()}", flush=True)
        result = run_pipeline(job_name=args.job, quick_training=args.quick_training)
        print(
            f"Run {result.run_id} {'succeeded' if result.success else 'FAILED'} in {time.perf_counter() - start:.1f} s"
        )
        if not result.success:
            for line in failures(result):
                print(line, file=sys.stderr)
            print(f"Full logs: `make ui`, run {result.run_id}", file=sys.stderr)
        try:
            print(summary())
        except Exception as exc:  # a run that failed before the raw schema existed has nothing to sum up
            print(f"no warehouse summary: {exc}", file=sys.stderr)
        return 0 if result.success else 1
    print(summary())
    return 0
