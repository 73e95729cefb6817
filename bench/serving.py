"""Delivery throughput: work orders per second from the durable outbox to a local ticketing stand-in.

The stand-in runs in its own process (as a real ticketing system would), so client and server do not share
one interpreter lock. Every order goes through the whole path: read from the outbox, POST with its
Idempotency-Key over a keep-alive connection, outcome recorded in the outbox in batches. A throughput only
counts if every order arrived exactly once, so the result says whether it did.

    python -m bench.serving --orders 2000 --threads 4 [--json]     # make bench-serving
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from orchestration.serving.delivery import RetryPolicy, TicketingClient, deliver_pending
from orchestration.serving.outbox import DELIVERED, TABLE, Outbox
from orchestration.warehouse import Warehouse
from tests.doubles.work_orders import sample_orders

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def standin_process() -> Iterator[str]:
    """Run `python -m tests.doubles.ticketing` on a free port; yields its base URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.doubles.ticketing", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        line = server.stdout.readline()  # "ticketing stand-in on http://127.0.0.1:PORT/work-orders (…)"
        if " on " not in line:
            raise RuntimeError(f"the ticketing stand-in did not start: {line!r}")
        yield line.split(" on ")[1].split("/work-orders")[0]
    finally:
        server.terminate()
        server.wait()


def standin_counts(base_url: str) -> dict:
    """`orders` stored, `requests` received and `repeated_keys` (Idempotency-Keys sent more than once)."""
    with urllib.request.urlopen(base_url + "/") as response:
        return json.load(response)


def benchmark(orders: int = 2_000, threads: int = 4, batch_size: int = 200, warehouse_url: str | None = None) -> dict:
    """Deliver `orders` fresh orders from an outbox (a temporary DuckDB file unless `warehouse_url`) to a
    stand-in in its own process; orders/s over the delivery run (outbox read to last outcome written).

    `delivered_once` is true when the outbox has every order delivered and the stand-in stored exactly
    `orders` orders from exactly `orders` requests with no key sent twice.
    """
    with tempfile.TemporaryDirectory(prefix="gridcare-bench-") as tmp:
        url = warehouse_url or f"duckdb:///{Path(tmp) / 'bench.duckdb'}"
        outbox = Outbox(Warehouse(url))
        outbox.ensure()
        run = f"bench-{time.time_ns()}"  # fresh ids, so a shared PostgreSQL warehouse can be reused
        batch = sample_orders(orders, run)
        added = len(outbox.add(batch))
        with standin_process() as base:
            policy = RetryPolicy(threads=threads, batch_size=batch_size)
            report = deliver_pending(outbox, TicketingClient(base, "bench-token", policy))
            seen = standin_counts(base)
        # This run's orders only: a reused PostgreSQL outbox holds earlier runs' rows too.
        delivered = {r[0] for r in outbox.wh.query(f"SELECT external_id FROM {TABLE} WHERE state = '{DELIVERED}'")}
        delivered_in_outbox = sum(order.external_id in delivered for order in batch)
    delivered_once = (
        added == orders
        and report.delivered == orders
        and delivered_in_outbox == orders
        and seen["orders"] == orders
        and seen["requests"] == orders
        and seen["repeated_keys"] == 0
    )
    return {
        "orders": orders,
        "threads": threads,
        "batch_size": batch_size,
        "warehouse": "duckdb (temporary file)" if warehouse_url is None else Warehouse(url).url.redacted(),
        "delivered": delivered_in_outbox,
        "received": seen["orders"],
        "requests": seen["requests"],
        "repeated_keys": seen["repeated_keys"],
        "delivery_seconds": round(report.seconds, 3),
        "orders_per_second": round(report.orders_per_s, 1),
        "delivered_once": delivered_once,
    }


def main(argv: list[str] | None = None) -> dict:
    """Parse the command line, run the benchmark, print a summary (or its JSON with --json)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.serving", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=2_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=200, help="outcomes per outbox write")
    parser.add_argument("--warehouse-url", help="default: a temporary DuckDB file")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    r = benchmark(args.orders, args.threads, args.batch_size, args.warehouse_url)
    if args.json:
        print(json.dumps(r, indent=2, ensure_ascii=False))
    else:
        print(f"warehouse      {r['warehouse']}")
        print(
            f"orders         {r['orders']} queued, {r['delivered']} delivered, {r['received']} stored by the "
            f"stand-in from {r['requests']} requests ({r['repeated_keys']} keys sent twice)"
        )
        print(f"delivered once {'yes' if r['delivered_once'] else 'NO'}")
        print(f"threads        {r['threads']}, outbox batch {r['batch_size']}")
        print(f"time           {r['delivery_seconds']:.2f} s")
        print(f"throughput     {r['orders_per_second']:,.0f} orders/s")
    if not r["delivered_once"]:
        raise SystemExit(1)
    return r


if __name__ == "__main__":
    main()
