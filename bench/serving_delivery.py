"""Delivery throughput: work orders per second from the durable outbox to a local ticketing stand-in.

The stand-in runs in its own process (as a real ticketing system would), so client and server do not share
one interpreter lock. Every order goes through the whole path: read from the outbox, POST with its
Idempotency-Key over a keep-alive connection, outcome recorded in the outbox in batches.

    .venv/bin/python bench/serving_delivery.py [--orders 5000] [--threads 8] [--warehouse-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.lib.serving import (  # noqa: E402  (the repo root must be importable first)
    PREVENTIVE,
    Assignment,
    Outbox,
    RetryPolicy,
    TicketingClient,
    WorkOrder,
    deliver_pending,
    external_id,
)
from orchestration.lib.warehouse import Warehouse  # noqa: E402


def orders(n: int, run: str) -> list[WorkOrder]:
    """n distinct preventive-maintenance orders shaped like real ones (Chinese summary, assignment, window)."""
    return [
        WorkOrder(
            external_id=external_id(PREVENTIVE, f"T{i:06d}", run), kind=PREVENTIVE, subject_id=f"T{i:06d}",
            priority="high", district="海淀区", due_by=dt.datetime(2026, 10, 31, 18),
            summary=f"变压器 T{i:06d} 未来 7 天故障风险 0.82（预计最高油温 96.0 ℃），供电用户 40 户，请于 10-31 18:00 前完成预防性检修。",
            assignment=Assignment("W0001", "海淀抢修一班", 2.345, "海淀区在岗 6 人中距离最近"),
            transformer_id=f"T{i:06d}",
            details={"risk_score": 0.82, "fault_window": {"start": "2026-11-02", "end": "2026-11-06"},
                     "customers_served": 40},
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--warehouse-url", help="default: a temporary DuckDB file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gridcare-bench-") as tmp:
        url = args.warehouse_url or f"duckdb:///{Path(tmp) / 'bench.duckdb'}"
        outbox = Outbox(Warehouse(url))
        outbox.ensure()
        run = f"bench-{time.time_ns()}"  # fresh ids, so a shared PostgreSQL warehouse can be reused
        outbox.add(orders(args.orders, run))
        server = subprocess.Popen(
            [sys.executable, "-m", "orchestration.lib.serving.standin", "--port", "0"], cwd=ROOT,
            stdout=subprocess.PIPE, text=True)
        try:
            line = server.stdout.readline()
            base = line.split(" on ")[1].split("/work-orders")[0]
            policy = RetryPolicy(threads=args.threads, batch_size=args.batch_size)
            report = deliver_pending(outbox, TicketingClient(base, "bench-token", policy))
            with urllib.request.urlopen(base + "/") as response:
                stored = json.load(response)
        finally:
            server.terminate()
            server.wait()
        print(f"warehouse      {Warehouse(url).url.redacted() if args.warehouse_url else 'duckdb (temporary file)'}")
        print(f"orders         {report.sent} sent, {report.delivered} delivered, {stored['orders']} stored by the stand-in")
        print(f"threads        {args.threads}, outbox batch {args.batch_size}")
        print(f"time           {report.seconds:.2f} s")
        print(f"throughput     {report.orders_per_s:,.0f} orders/s")


if __name__ == "__main__":
    main()
