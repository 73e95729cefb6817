"""The service assistant measured: containment on the evaluation set, and answers under load.

    python -m bench.assistant eval --mlflow-uri sqlite:///data/mlflow/mlflow.db [--json out.json]
    python -m bench.assistant load --mlflow-uri sqlite:///data/mlflow/mlflow.db [--rates 50,100,200,333] [--seconds 20]
    python -m bench.assistant cpu --mlflow-uri sqlite:///data/mlflow/mlflow.db [--engines postgres,duckdb] [--profile out]

`eval` builds the crafted warehouse of tests/assistant/crafted.py in a temporary DuckDB file (an outage reported
on TR_OUT, a SCADA fault on TR_SCA), answers every message of docs/assistant/eval_messages.jsonl with the
registered `intent_classifier@champion` through the assistant's library (each in its own conversation, no
ticketing: orders wait in the outbox) and prints containment, accuracies and the confusion of answer kinds.

`load` serves the assistant as `make serve` does (uvicorn, 2 workers) on a fresh PostgreSQL database holding the
crafted warehouse, and plays users with an asyncio client in this process: 10,000 users each sending a message
every 30 s on average are an open-loop Poisson stream of 333 messages/s. Each rate of `--rates` runs for
`--seconds` (messages drawn from the evaluation set, each with a new message_id); per rate: messages sent, errors
(anything but 200, or no answer), achieved messages/s, p50/p99 latency. The highest sustained rate is the highest
with no error, p99 ≤ 300 ms and at least 95 % of the offered rate achieved. Beside it, the bare model's batched
throughput (256 messages per predict) in the same run, on the same machine.

`cpu` answers the evaluation set through the library in this process, as `eval` does, on each engine of
`--engines` (a fresh PostgreSQL database or a temporary DuckDB file holding the crafted warehouse), and reports the
CPU milliseconds one message costs: this process's (`time.process_time`, all its threads) and, on PostgreSQL, the
server backends' (their /proc counters, when the server runs on this machine). CPU time, unlike latency, hardly
moves with what else the machine runs. `--profile DIR` also writes a cProfile of each engine's pass.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from assistant.conversation import Assistant, Message
from assistant.evaluation import EvalMessage, load_eval, score
from assistant.intent import IntentModel
from assistant.outages import report_outage
from assistant.store import opened

ROOT = Path(__file__).resolve().parents[1]


# assistant/evaluation/messages.jsonl labels a context instead of a customer: the crafted customers in that state.
CONTEXT_CUSTOMERS = {"none": "EVAL", "outage": "OUT1"}


def load_context_set(path: Path) -> list[EvalMessage]:
    """A set written with `context` (none | outage) and `answer_kind`, as the crafted customers' messages."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            intent = None if raw["intent"] == "out_of_scope" else raw["intent"]
            customer = CONTEXT_CUSTOMERS[raw["context"]]
            rows.append(EvalMessage(raw["id"], raw["text"], customer, raw["channel"], raw["answer_kind"], intent))
    return rows


def evaluate(mlflow_uri: str, path: Path | None = None) -> dict:
    """Containment and confusion of the champion on an evaluation set (see the module docstring): the default
    set, or a set in `path` written with contexts (assistant/evaluation/messages.jsonl)."""
    import torch

    from ml.knowledge import KnowledgeBase
    from orchestration.warehouse import Warehouse
    from tests.assistant import crafted

    torch.set_num_threads(1)  # the figures, not the speed, are measured here; the machine is shared
    rows = load_context_set(path) if path else load_eval()
    with tempfile.TemporaryDirectory(prefix="gridcare-assistant-eval-") as tmp:
        url = f"duckdb:///{Path(tmp) / 'warehouse.duckdb'}"
        crafted.load(Warehouse(url))
        model = IntentModel(mlflow_uri)
        model.load()
        kb = KnowledgeBase.from_dir()
        with opened(url) as db:
            eta = crafted.NOW + dt.timedelta(hours=3)
            report_outage(db, "EVAL-O1", "TR_OUT", "fault", "10kV 线路故障", crafted.ago(minutes=30), eta, crafted.NOW)
            assistant = Assistant.build(db, model, kb)
            started = time.perf_counter()
            answers = [
                assistant.handle(Message(r.id, r.channel, r.text, r.customer_id, conversation_id=f"conv-{r.id}"))
                for r in rows
            ]
            seconds = time.perf_counter() - started
            assistant.desk.close()
    figures = score(rows, answers)
    figures["model_version"] = model.version
    figures["ms_per_message"] = round(seconds * 1000 / len(rows), 2)
    figures["misses"] = [
        {"id": r.id, "text": r.text, "expected": r.expected_kind, "got": a["answer_kind"], "intent": a["intent"]}
        for r, a in zip(rows, answers)
        if a["answer_kind"] != r.expected_kind
    ]
    return figures


@contextlib.contextmanager
def _pg_database(pg_admin: str, prefix: str):
    """A fresh PostgreSQL database on the server of `pg_admin` (its URL), dropped on exit."""
    import uuid

    import psycopg2

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(pg_admin)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _backend_cpu_s(db) -> float | None:
    """CPU seconds used so far by the PostgreSQL backends of `db`'s pool (None when not readable here)."""
    pids = db.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for (pid,) in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def cpu_per_message(mlflow_uri: str, engine: str, pg_admin: str, passes: int = 1, profile: Path | None = None) -> dict:
    """CPU ms per message of the library on `engine` (see the module docstring)."""
    import cProfile

    import torch

    from ml.knowledge import KnowledgeBase
    from orchestration.warehouse import Warehouse
    from tests.assistant import crafted

    torch.set_num_threads(1)  # as the service sets it
    rows = load_eval()
    model = IntentModel(mlflow_uri)
    model.load()
    kb = KnowledgeBase.from_dir()
    with contextlib.ExitStack() as stack:
        if engine == "postgres":
            url = stack.enter_context(_pg_database(pg_admin, "gridcare_bench_cpu"))
        else:
            url = f"duckdb:///{Path(stack.enter_context(tempfile.TemporaryDirectory())) / 'warehouse.duckdb'}"
        crafted.load(Warehouse(url))
        db = stack.enter_context(opened(url))
        eta = crafted.NOW + dt.timedelta(hours=3)
        report_outage(db, "EVAL-O1", "TR_OUT", "fault", "10kV 线路故障", crafted.ago(minutes=30), eta, crafted.NOW)
        assistant = Assistant.build(db, model, kb)
        stack.callback(assistant.desk.close)

        def answer(tag: str) -> list[dict]:
            return [
                assistant.handle(
                    Message(f"{tag}-{r.id}", r.channel, r.text, r.customer_id, conversation_id=f"{tag}-conv-{r.id}")
                )
                for r in rows
            ]

        answer("warm")  # connections, caches and the first calls' allocations are not a message's cost
        backend = _backend_cpu_s(db) if engine == "postgres" else None
        profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not waits
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        kinds = Counter()
        for n in range(passes):
            kinds.update(a["answer_kind"] for a in answer(f"run{n}"))
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        backend_after = _backend_cpu_s(db) if backend is not None else None
    if profiler:
        profile.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(profile / f"{engine}.prof")
    n = passes * len(rows)
    return {
        "engine": engine,
        "messages": n,
        "cpu_ms_per_message": round(cpu * 1000 / n, 2),
        "backend_cpu_ms_per_message": round((backend_after - backend) * 1000 / n, 2) if backend_after else None,
        "wall_ms_per_message": round(wall * 1000 / n, 2),
        "profiled": profiler is not None,
        "answer_kinds": dict(sorted(kinds.items())),
    }


P99_GOAL_MS = 300.0


async def _play(url: str, key: str, rows, rate: float, seconds: float, seed: int, in_flight: int = 256) -> dict:
    """Open-loop Poisson arrivals at `rate` messages/s for `seconds`; latencies of the answers.

    A latency runs from the message's scheduled arrival, not from when the client got to send it: a server that
    falls behind makes messages wait in the client (at most `in_flight` are open at once, the users' connections),
    and that wait counts, as it would for the user.
    """
    import asyncio
    import random
    import uuid

    import httpx

    rng = random.Random(seed)
    latencies: list[float] = []
    errors: Counter = Counter()
    gate = asyncio.Semaphore(in_flight)
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, timeout=30, limits=limits) as client:

        async def one(row, scheduled: float) -> None:
            body = {"message_id": f"load-{uuid.uuid4().hex}", "channel": "app", "text": row.text}
            if row.customer_id:
                body["customer_id"] = row.customer_id
            async with gate:
                try:
                    r = await client.post("/v1/messages", json=body)
                    if r.status_code == 200:
                        latencies.append((time.perf_counter() - scheduled) * 1000)
                    else:
                        errors[f"HTTP {r.status_code}"] += 1
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1

        tasks = []
        started = time.perf_counter()
        due = 0.0
        while due < seconds:
            due += rng.expovariate(rate)
            # Sleeping (if only for 0 s) lets the open requests progress while the schedule is behind.
            await asyncio.sleep(max(0.0, started + due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(rng.choice(rows), started + due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(q: float) -> float | None:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else None

    return {
        "offered_per_s": rate,
        "sent": len(tasks),
        "answered": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "achieved_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }


def bare_model_throughput(mlflow_uri: str, texts: list[str], batch: int = 256, seconds: float = 5.0) -> float:
    """Messages/s of the champion's pyfunc alone, `batch` messages per predict, for about `seconds`."""
    model = IntentModel(mlflow_uri)
    model.load()
    batch_texts = (texts * (batch // len(texts) + 1))[:batch]
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        model.predict_batch(batch_texts)
        done += batch
    return round(done / (time.perf_counter() - started), 1)


def load(mlflow_uri: str, rates: list[float], seconds: float, pg_admin: str, workers: int = 2) -> dict:
    """The load benchmark (see the module docstring)."""
    import asyncio

    from orchestration.warehouse import Warehouse
    from tests.assistant import crafted
    from tests.assistant.conftest import KEYS, KEYS_SPEC, free_port, kill, wait_healthy

    rows = load_eval()
    with _pg_database(pg_admin, "gridcare_bench_assistant") as url:
        crafted.load(Warehouse(url))
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "WAREHOUSE_URL": url,
            "MLFLOW_TRACKING_URI": mlflow_uri,
            "ASSISTANT_API_KEYS": KEYS_SPEC,
            "ASSISTANT_RATE_PER_KEY": "100000000",
            "ASSISTANT_RATE_PER_CUSTOMER": "100000000",
        }
        env.pop("TICKETING_URL", None)  # orders wait in the outbox: the ticketing system is not measured here
        cmd = [sys.executable, "-m", "uvicorn", "assistant.app:create_app", "--factory", "--host", "127.0.0.1"]
        cmd += ["--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        cmd += ["--timeout-keep-alive", "75"]
        name = url.rsplit("/", 1)[1]
        log = open(Path(tempfile.gettempdir()) / f"{name}.log", "w")  # noqa: SIM115 (closed with the service)
        service = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, stderr=log, stdout=log)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, timeout_s=300, proc=service)
            asyncio.run(_play(base, KEYS["app"], rows, 20, 3, seed=0))  # warm every worker's connections
            steps = [asyncio.run(_play(base, KEYS["app"], rows, r, seconds, seed=i)) for i, r in enumerate(rates)]
        finally:
            kill(service)
            log.close()
    sustained = [
        s["offered_per_s"]
        for s in steps
        if s["errors"] == 0
        and s["p99_ms"] is not None
        and s["p99_ms"] <= P99_GOAL_MS
        and s["achieved_per_s"] >= 0.95 * s["offered_per_s"]
    ]
    return {
        "workers": workers,
        "seconds_per_rate": seconds,
        "steps": steps,
        "highest_sustained_per_s": max(sustained) if sustained else None,
        "bare_model_batched_per_s": bare_model_throughput(mlflow_uri, [r.text for r in rows]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.assistant")
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("eval", help="containment and answer-kind confusion on the evaluation set")
    ev.add_argument("--mlflow-uri", required=True, help="the MLflow store holding intent_classifier@champion")
    ev.add_argument("--json", type=Path, help="also write the figures here")
    ev.add_argument("--set", type=Path, help="a set labelled by context (assistant/evaluation/messages.jsonl)")
    ld = sub.add_parser("load", help="answers under an open-loop stream of messages")
    ld.add_argument("--mlflow-uri", required=True, help="the MLflow store holding intent_classifier@champion")
    ld.add_argument("--rates", default="50,100,200,333", help="offered messages/s, one step each")
    ld.add_argument("--seconds", type=float, default=20.0, help="duration of each step")
    ld.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ld.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="PostgreSQL server (admin)")
    ld.add_argument("--json", type=Path, help="also write the figures here")
    cp = sub.add_parser("cpu", help="CPU ms per message of the library, in this process, per engine")
    cp.add_argument("--mlflow-uri", required=True, help="the MLflow store holding intent_classifier@champion")
    cp.add_argument("--engines", default="postgres,duckdb", help="postgres and/or duckdb")
    cp.add_argument("--passes", type=int, default=1, help="passes over the evaluation set, after a warm-up pass")
    cp.add_argument("--profile", type=Path, help="write <engine>.prof (cProfile) here")
    cp.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="PostgreSQL server (admin)")
    args = parser.parse_args(argv)
    if args.command == "cpu":
        figures = [
            cpu_per_message(args.mlflow_uri, e, args.pg, args.passes, args.profile) for e in args.engines.split(",")
        ]
        json.dump(figures, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return
    if args.command == "load":
        rates = [float(r) for r in args.rates.split(",")]
        figures = load(args.mlflow_uri, rates, args.seconds, args.pg, args.workers)
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
        json.dump(figures, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return
    figures = evaluate(args.mlflow_uri, args.set)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    shown = {k: v for k, v in figures.items() if k != "misses"}
    json.dump(shown, sys.stdout, ensure_ascii=False, indent=2)
    print(f"\n{len(figures['misses'])} messages got another kind than expected")


if __name__ == "__main__":
    main()
