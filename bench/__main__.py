"""`python -m bench run …`: the platform's benchmarks (issue 11), JSON to --out and a table to stdout.

    python -m bench run --customers 20000 --days 30 --out bench/out/small.json
    python -m bench run --customers 100000 --days 365 --engine postgres --cases full --out bench/out/pg100k.json
    python -m bench run --cases increment --increment-customers 20000 --history 90,730 --out bench/out/incr.json

Cases: full (case 1, on each engine of --engine in turn, same files), increment (case 2, on the first engine),
reference (case 3, runs after `full` on the same files), ml (case 4), backfill (case 5: the lake with 1 vs 2
processes), files (case 6: files per table after a year of nights, with and without maintenance).
See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench import cases

CASES = ("full", "reference", "increment", "backfill", "files", "ml")


def machine() -> dict:
    """The machine the figures were taken on, and how busy it was."""
    import psutil

    with open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "?")
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "duckdb": __import__("duckdb").__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "git_commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=cases.REPO
        ).stdout.strip(),
    }


def run(args: argparse.Namespace) -> dict:
    """Run the selected cases and return the result document."""
    root = Path(args.work).resolve()
    selected = [c.strip() for c in args.cases.split(",")]
    unknown = set(selected) - set(CASES)
    if unknown:
        raise SystemExit(f"unknown case(s) {sorted(unknown)}; choose from {', '.join(CASES)}")
    result: dict = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": vars(args),
        "cases": {},
    }
    out = result["cases"]
    if "full" in selected or "reference" in selected:
        data = cases.dataset(root, args.customers, args.days, args.seed)
        out["data"] = {
            "customers": data.customers,
            "days": data.days,
            "landing_mb": round(data.size_mb(), 1),
            "generate_seconds": data.generate_seconds,
        }
        engines = args.engine.split(",")
        out["full_by_engine"] = {}
        for engine in engines:
            _say(f"full build: {data.customers:,} customers × {data.days} days on {engine}")
            out["full_by_engine"][engine], wh = cases.full_build(root, data, engine)
            if engine == engines[0]:
                out["full"], platform_wh = out["full_by_engine"][engine], wh
        if "reference" in selected:
            _say("reference: hand-written DuckDB script over the same files")
            out["reference"] = cases.reference(root, data, platform_wh)
    if "increment" in selected:
        out["increment"] = {}
        for history in [int(h) for h in args.history.split(",")]:
            _say(f"nightly increment: 1 day after {history} days, {args.increment_customers:,} customers")
            out["increment"][str(history)] = cases.increment(
                root, args.increment_customers, history, args.seed, args.engine.split(",")[0]
            )
    if "backfill" in selected:
        _say(
            f"backfill: {args.backfill_customers:,} customers × {args.backfill_days} days on the lake, 1 vs 2 processes"
        )
        out["backfill"] = cases.backfill(root, args.backfill_customers, args.backfill_days, args.seed)
    if "files" in selected:
        _say(f"files: {args.nights} nights on the lake, with and without weekly maintenance")
        out["files"] = cases.hook("bench.lake_files", nights=args.nights)
    if "ml" in selected:
        _say(f"ML: Prophet over {args.transformers} transformers, intent training and inference")
        out["ml"] = cases.ml_cases(args.transformers, args.forecast_days, args.messages)
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["headline"] = headline(out)
    return result


def headline(out: dict) -> dict:
    """The ratios the issue asks for, each next to its goal."""
    h: dict = {}
    incr = out.get("increment", {})
    if len(incr) >= 2:
        keys = sorted(incr, key=int)
        lo, hi = incr[keys[0]]["new_day"], incr[keys[-1]]["new_day"]
        h[f"increment_ratio_{keys[-1]}_vs_{keys[0]}"] = {
            "value": round(hi["wall_seconds"] / lo["wall_seconds"], 2),
            "cpu_value": round(hi["cpu_seconds"] / lo["cpu_seconds"], 2),
            "goal": "<= 1.1",
        }
    by_engine = out.get("full_by_engine", {})
    if "lake" in by_engine and "postgres" in by_engine:
        h["postgres_vs_lake_full_build"] = {
            "value": round(by_engine["postgres"]["wall_seconds"] / by_engine["lake"]["wall_seconds"], 2),
            "goal": "<= 4",
        }
    if "backfill" in out:
        b = out["backfill"]
        h["backfill_speedup_2_processes"] = {"value": b["speedup"], "goal": ">= 1.7"}
        h["backfill_tables_equal"] = not b["tables_differing"]
    if "files" in out and "skipped" not in out["files"]:
        f = out["files"]
        h["files_after_a_year"] = {
            "without_maintenance": f["without_maintenance"]["files_on_disk"],
            "weekly_maintenance": f["weekly_maintenance"]["files_on_disk"],
        }
    if "reference" in out and "full" in out:
        ref, full = out["reference"], out["full"]
        st = ref.get("stages", {})
        load = st.get("load", 0) + st.get("validate", 0) + st.get("transcode", 0)
        h["platform_vs_reference_total"] = {"value": round(full["wall_seconds"] / ref["wall_seconds"], 2)}
        if load and full["stages"].get("readings_ingestion_seconds"):
            h["platform_vs_reference_ingestion"] = {
                "value": round(full["stages"]["reference_datasets_ingestion_seconds"] / load, 2),
                "goal": "<= 1.3",
                "all_raw_tables": round(full["stages"]["ingestion_seconds"] / load, 2),
            }
        if st.get("tags"):
            h["platform_vs_reference_tags"] = {
                "value": round(full["stages"]["tag_models_seconds"] / st["tags"], 2),
                "goal": "<= 1.3",
            }
        h["reference_tags_equal"] = ref["tags_equal"]
    if "ml" in out:
        p, i = out["ml"]["prophet"], out["ml"]["intent"]
        h["prophet_speedup_2_processes"] = {"value": p.get("speedup"), "goal": ">= 1.8"}
        h["intent_messages_per_second"] = {"value": i["inference"]["messages_per_second"], "goal": ">= 5000"}
        scoring, delivery = out["ml"]["consumption_scoring"], out["ml"]["work_order_delivery"]
        if "skipped" not in scoring:
            h["consumption_customers_per_second"] = {"value": scoring["customers_per_second"]}
        if "skipped" not in delivery:
            h["delivery_orders_per_second"] = {"value": delivery["orders_per_second"], "goal": ">= 500"}
            h["delivery_delivered_once"] = delivery["delivered_once"]
    return h


def table(result: dict) -> str:
    """A short human summary of the result document."""
    rows = [("case", "wall s", "cpu s", "peak MB", "rows/s")]

    def add(name, m, rate=None):
        rows.append(
            (
                name,
                f"{m['wall_seconds']:.1f}",
                f"{m['cpu_seconds']:.1f}",
                f"{m['peak_rss_mb']:.0f}",
                f"{rate:,}" if rate else "",
            )
        )

    c = result["cases"]
    for engine, f in c.get("full_by_engine", {}).items():
        if f is not c.get("full"):
            add(f"full build ({engine})", f, f["stages"]["run_rows_per_second"])
    if "full" in c:
        f = c["full"]
        add(f"full build ({f['engine']})", f, f["stages"]["run_rows_per_second"])
        s = f["stages"]
        rows.append(
            (
                "  ingestion (all raw)",
                f"{s['ingestion_seconds']:.1f}",
                "",
                "",
                f"{s['readings_rows_per_second']:,}" if s["readings_rows_per_second"] else "",
            )
        )
        rows.append(
            ("  · readings, tickets, customers", f"{s['reference_datasets_ingestion_seconds']:.1f}", "", "", "")
        )
        rows.append(("  run set-up (before 1st step)", f"{s['run_overhead_seconds'] or 0:.1f}", "", "", ""))
        rows.append(("  dbt build", f"{s['dbt_build_seconds'] or 0:.1f}", "", "", ""))
        rows.append(("  tag models", f"{s['tag_models_seconds']:.2f}", "", "", ""))
    if "reference" in c:
        r = c["reference"]
        add("reference (DuckDB script)", r)
        for k, v in r["stages"].items():
            rows.append((f"  {k}", f"{v:.2f}", "", "", ""))
    for h, inc in c.get("increment", {}).items():
        add(f"history {h} d: build", inc["history_build"], inc["history_build"]["stages"]["run_rows_per_second"])
        add(f"history {h} d: +1 day", inc["new_day"], inc["new_day"]["stages"]["run_rows_per_second"])
    for processes, b in c.get("backfill", {}).get("runs", {}).items():
        add(f"backfill {c['backfill']['days']} d, {processes} process(es)", b, b["stages"]["run_rows_per_second"])
    if "ml" in c:
        p, i = c["ml"]["prophet"], c["ml"]["intent"]
        add(f"prophet {p['fits']} fits (1 vs 2 procs)", p)
        rows.append(
            ("  fits/s single | pool2", f"{p['single_fits_per_second']}", f"{p['pool2_fits_per_second']}", "", "")
        )
        add("intent train (small)", i["train_small"])
        add("intent inference", i["inference"], i["inference"]["messages_per_second"])
        scoring, delivery = c["ml"]["consumption_scoring"], c["ml"]["work_order_delivery"]
        if "skipped" in scoring:
            rows.append(("consumption scoring", "skipped", "", "", ""))
        else:
            add(
                f"consumption scoring {scoring['customers_scored']:,} customers (/s)",
                scoring,
                round(scoring["customers_per_second"]),
            )
            rows.append(("  train | score s", f"{scoring['train_seconds']}", f"{scoring['scoring_seconds']}", "", ""))
        if "skipped" in delivery:
            rows.append(("work-order delivery", "skipped", "", "", ""))
        else:
            add(
                f"work-order delivery {delivery['orders']:,} orders (/s)",
                delivery,
                round(delivery["orders_per_second"]),
            )
            rows.append(("  delivered once", "yes" if delivery["delivered_once"] else "NO", "", "", ""))
    width = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [
        "  ".join(cell.ljust(width[0]) if i == 0 else cell.rjust(width[i]) for i, cell in enumerate(r)) for r in rows
    ]
    m = result["machine"]
    lines.insert(
        0, f"{m['cpus']} × {m['cpu_model']}, {m['memory_gb']} GB, load {m['load_average']} → {m['load_average_after']}"
    )
    lines += [f"{k}: {v}" for k, v in result["headline"].items()]
    return "\n".join(lines)


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run benchmark cases")
    r.add_argument("--customers", type=int, default=20_000)
    r.add_argument("--days", type=int, default=30)
    r.add_argument("--engine", default="lake", help=f"comma list of {', '.join(cases.ENGINES)}; full runs on each")
    r.add_argument("--cases", default="full,reference,increment,ml", help=f"comma list of {', '.join(CASES)}")
    r.add_argument("--increment-customers", type=int, default=5_000)
    r.add_argument("--history", default="90,730", help="history lengths (days) for the increment case")
    r.add_argument("--backfill-customers", type=int, default=20_000)
    r.add_argument("--backfill-days", type=int, default=90)
    r.add_argument("--nights", type=int, default=365, help="simulated nights for the files case")
    r.add_argument("--transformers", type=int, default=1_000)
    r.add_argument("--forecast-days", type=int, default=120, help="telemetry days per transformer for Prophet")
    r.add_argument("--messages", type=int, default=50_000, help="messages for intent inference")
    r.add_argument("--seed", type=int, default=42)
    r.add_argument("--work", default="bench/out", help="where data, warehouses and logs go (gitignored)")
    r.add_argument("--out", type=Path, required=True, help="result JSON")
    args = parser.parse_args(argv)
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=str, ensure_ascii=False))
    print(table(result))
    print(f"result: {args.out}")
    return 0 if result["headline"].get("reference_tags_equal", True) else 1


if __name__ == "__main__":
    sys.exit(main())
