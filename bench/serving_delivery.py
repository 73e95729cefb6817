"""Delivery throughput (`make bench-serving`): a readable summary of `orchestration.lib.serving.bench`.

    .venv/bin/python bench/serving_delivery.py [--orders 5000] [--threads 8] [--warehouse-url URL]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.lib.serving.bench import benchmark  # noqa: E402  (the repo root must be importable first)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--warehouse-url", help="default: a temporary DuckDB file")
    args = parser.parse_args()
    r = benchmark(args.orders, args.threads, args.batch_size, args.warehouse_url)
    print(f"warehouse      {r['warehouse']}")
    print(f"orders         {r['orders']} queued, {r['delivered']} delivered, {r['received']} stored by the stand-in "
          f"from {r['requests']} requests ({r['repeated_keys']} keys sent twice)")
    print(f"delivered once {'yes' if r['delivered_once'] else 'NO'}")
    print(f"threads        {r['threads']}, outbox batch {r['batch_size']}")
    print(f"time           {r['delivery_seconds']:.2f} s")
    print(f"throughput     {r['orders_per_second']:,.0f} orders/s")
    if not r["delivered_once"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
