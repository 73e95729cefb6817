"""The benchmark cases of issue 11: full build, nightly increment, hand-written reference, ML.

Each case returns a plain dict (it goes into the JSON result as is). Platform runs happen in child
processes (`bench.measure.run_worker`) against a fresh warehouse and Dagster instance under the output
folder, so a case measures the platform as `make run` runs it and nothing of the harness.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench.measure import Measured, in_process, run_worker

REPO = Path(__file__).resolve().parents[1]
INSTANCE_YAML = REPO / "orchestration" / "instance" / "dagster.yaml"
END_DATE = dt.date(2026, 10, 31)
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"

# The dbt models customer_tags is computed from (staging views cost nothing until read).
TAG_MODELS = (
    "int_as_of_dates_derived",
    "int_meter_readings_aggregated_to_customers",
    "int_service_tickets_aggregated_to_customers",
    "int_tariff_costs_estimated",
    "stg_ml__complaint_risks",  # empty until the ML scoring: the bench compares the rule-based tags
    "customer_tags",
)

# The raw tables bench/reference.sql loads and validates itself.
REFERENCE_RAW = ("raw_ami__meter_readings", "raw_crm__service_tickets", "raw_cis__customers")


@dataclass
class Dataset:
    """Generated landing files for one scale, kept between runs (generation is not what is measured)."""

    customers: int
    days: int
    seed: int
    end_date: dt.date
    path: Path
    generate_seconds: float | None = None

    @property
    def first_day(self) -> dt.date:
        return self.end_date - dt.timedelta(days=self.days - 1)

    def size_mb(self) -> float:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file()) / 2**20


def dataset(root: Path, customers: int, days: int, seed: int = 42, end_date: dt.date = END_DATE) -> Dataset:
    """The landing folder for (customers, days, seed, end date), generated on first use."""
    from bench.measure import in_process as measure
    from datagen.generator import generate

    path = root / "data" / f"c{customers}-d{days}-s{seed}-{end_date:%Y%m%d}"
    ds = Dataset(customers, days, seed, end_date, path)
    if (path / "_manifest.json").exists():
        return ds
    if path.exists():
        shutil.rmtree(path)  # a generation interrupted before its manifest
    _, m = measure(generate, str(path), customers, days, seed, end_date)
    ds.generate_seconds = round(m.wall_seconds, 1)
    return ds


ENGINES = ("lake", "lake-pg", "duckdb", "postgres")


class Warehouse:
    """A fresh warehouse + Dagster instance for one platform run series: the lake (SQLite catalog, or
    `lake-pg`: its catalog in a PostgreSQL database), a DuckDB file, or a PostgreSQL database."""

    def __init__(self, root: Path, name: str, engine: str, env: dict[str, str] | None = None):
        if engine not in ENGINES:
            raise SystemExit(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
        self.dir = root / "runs" / name
        shutil.rmtree(self.dir, ignore_errors=True)
        (self.dir / "dagster").mkdir(parents=True)
        shutil.copy(INSTANCE_YAML, self.dir / "dagster" / "dagster.yaml")
        self.engine, self.env, self.dbname = engine, env or {}, None
        if engine == "lake":
            self.url = f"ducklake:///{self.dir / 'lake'}"
        elif engine == "duckdb":
            self.url = f"duckdb:///{self.dir / 'warehouse.duckdb'}"
        else:
            self.dbname = f"bench_{name}".replace("-", "_")
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)', f'CREATE DATABASE "{self.dbname}"')
            self.url = f"{PG_SERVER}/{self.dbname}"
            if engine == "lake-pg":
                self.url = f"ducklake+{self.url}?data_path={self.dir / 'lake'}"
        self.runs = 0

    def disk_mb(self) -> float:
        """What the warehouse holds on disk: its files (lake data and SQLite catalog, or the DuckDB file) plus
        its PostgreSQL database (the lake's catalog, or the whole warehouse)."""
        files = [p for p in self.dir.rglob("*") if p.is_file() and "dagster" not in p.parts and p.suffix != ".json"]
        size = sum(p.stat().st_size for p in files if p.suffix != ".log" and p.name != "mlflow.db")
        if self.dbname:
            size += _pg_admin(f"SELECT pg_database_size('{self.dbname}')")[0][0]
        return round(size / 2**20, 1)

    def run(self, data: Dataset, first: dt.date, last: dt.date, job: str = "build_warehouse") -> Measured:
        """Run `job` over [first, last] of `data` in a child process and measure it."""
        self.runs += 1
        env = {
            "LANDING_DIR": str(data.path),
            "WAREHOUSE_URL": self.url,
            "DAGSTER_HOME": str(self.dir / "dagster"),
            "MLFLOW_TRACKING_URI": f"sqlite:///{self.dir / 'mlflow.db'}",
            "PARTITIONS_START": data.first_day.isoformat(),
            **self.env,
        }
        return run_worker(
            ["platform", "--first-day", first.isoformat(), "--last-day", last.isoformat(), "--job", job],
            env,
            self.dir / f"run{self.runs}.json",
            self.dir / f"run{self.runs}.log",
        )

    def tags(self) -> set[tuple[str, str]]:
        """(customer_id, tag) of marts.customer_tags."""
        from orchestration.warehouse import Warehouse as PlatformWarehouse

        return set(PlatformWarehouse(self.url).query("SELECT customer_id, tag FROM marts.customer_tags"))


def _pg_admin(*statements: str) -> list[tuple]:
    """Run `statements` on the server's `postgres` database outside a transaction; the last one's rows."""
    import psycopg2

    con = psycopg2.connect(f"{PG_SERVER}/postgres")
    con.autocommit = True
    try:
        with con.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
            return cur.fetchall() if cur.description else []
    finally:
        con.close()


def stage_table(m: Measured, readings: int) -> dict:
    """Per stage of a platform run: seconds and rows/s (ingestion by its rows read, the rest by readings)."""
    steps = m.detail.get("steps", {})
    models = m.detail.get("dbt_models", {})
    ingestion = {k: v for k, v in steps.items() if k.startswith("raw_")}
    out = {
        "ingestion_seconds": round(sum(v.get("seconds", 0) for v in ingestion.values()), 2),
        # What the reference loads too (it skips telemetry, interactions and the small snapshots): the
        # ingestion ratio compares the same files.
        "reference_datasets_ingestion_seconds": round(
            sum(steps.get(k, {}).get("seconds", 0) for k in REFERENCE_RAW), 2
        ),
        "readings_ingestion_seconds": steps.get("raw_ami__meter_readings", {}).get("seconds"),
        "dbt_build_seconds": steps.get("warehouse_dbt_assets", {}).get("seconds"),
        "dbt_models_seconds": round(sum(models.values()), 2),
        "tag_models_seconds": round(sum(models.get(k, 0) for k in TAG_MODELS), 3),
        "dbt_tests_seconds": round(sum(m.detail.get("dbt_tests", {}).values()), 2),
        "run_overhead_seconds": m.detail.get("run_overhead_seconds"),
        "readings": readings,
    }
    secs = out["readings_ingestion_seconds"]
    out["readings_rows_per_second"] = round(readings / secs) if secs else None
    out["run_rows_per_second"] = round(readings / m.wall_seconds) if m.wall_seconds else None
    return out


def _readings(m: Measured) -> int:
    return m.detail.get("steps", {}).get("raw_ami__meter_readings", {}).get("rows", {}).get("rows_read", 0)


def full_build(root: Path, data: Dataset, engine: str) -> tuple[dict, Warehouse]:
    """Case 1: every landed day in one run on a fresh warehouse (ingestion, dbt build incl. tags)."""
    wh = Warehouse(root, f"full-{engine}-c{data.customers}-d{data.days}", engine)
    m = wh.run(data, data.first_day, data.end_date)
    return {"engine": engine, **m.as_dict(), "disk_mb": wh.disk_mb(), "stages": stage_table(m, _readings(m))}, wh


def increment(root: Path, customers: int, history: int, seed: int, engine: str = "lake") -> dict:
    """Case 2: build `history` days, then time the run of the one new day after them."""
    data = dataset(root, customers, history + 1, seed)
    wh = Warehouse(root, f"incr-{engine}-c{customers}-h{history}", engine)
    last_history = data.end_date - dt.timedelta(days=1)
    built = wh.run(data, data.first_day, last_history)
    m = wh.run(data, data.end_date, data.end_date)
    return {
        "engine": engine,
        "customers": customers,
        "history_days": history,
        "generate_seconds": data.generate_seconds,
        "history_build": {**built.as_dict(), "stages": stage_table(built, _readings(built))},
        "new_day": {**m.as_dict(), "stages": stage_table(m, _readings(m))},
    }


def backfill(root: Path, customers: int, days: int, seed: int, processes: tuple[int, ...] = (1, 2)) -> dict:
    """Case 5: the same backfill on a fresh lake with the multiprocess executor running 1, then 2 steps at
    once; the marts must come out the same (row count and checksum per table), else the ratio means nothing."""
    data = dataset(root, customers, days, seed)
    out: dict = {"customers": customers, "days": days, "runs": {}}
    contents = {}
    for p in processes:
        env = {"DAGSTER_EXECUTOR": "multiprocess", "DAGSTER_MAX_CONCURRENT_STEPS": str(p)}
        wh = Warehouse(root, f"backfill-p{p}-c{customers}-d{days}", "lake", env)
        m = wh.run(data, data.first_day, data.end_date)
        out["runs"][str(p)] = {**m.as_dict(), "stages": stage_table(m, _readings(m))}
        contents[p] = table_checksums(wh.url, ("marts", "ml", "serving"))
    first = contents[processes[0]]
    out["tables_compared"] = len(first)
    out["tables_differing"] = sorted(t for p in processes[1:] for t in first if contents[p].get(t) != first[t])
    one, two = out["runs"][str(processes[0])], out["runs"][str(processes[-1])]
    out["speedup"] = round(one["wall_seconds"] / two["wall_seconds"], 2)
    return out


def table_checksums(url: str, schemas: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """(rows, order-independent checksum of the rows) per table of `schemas`; doubles are rounded to 6
    decimals first, so a sum added up in another order does not count as a difference."""
    from orchestration.warehouse import Warehouse as PlatformWarehouse

    wh = PlatformWarehouse(url)
    tables = wh.query(
        "SELECT table_schema, table_name, list(column_name ORDER BY ordinal_position), list(data_type ORDER BY "
        "ordinal_position) FROM information_schema.columns WHERE table_schema IN ({}) AND table_catalog = "
        "current_database() GROUP BY 1, 2".format(", ".join("?" * len(schemas))),
        list(schemas),
    )
    out = {}
    for schema, table, columns, types in tables:
        cells = ", ".join(f'round("{c}", 6)' if t in ("DOUBLE", "FLOAT") else f'"{c}"' for c, t in zip(columns, types))
        (rows, checksum) = wh.query(
            f'SELECT count(*), coalesce(sum(hash({cells})::HUGEINT), 0) FROM {schema}."{table}"'
        )[0]
        out[f"{schema}.{table}"] = (rows, int(checksum))
    return out


def reference(root: Path, data: Dataset, platform: Warehouse) -> dict:
    """Case 3: the hand-written DuckDB script over the same files, and its tags against the platform's."""
    out_dir = root / "runs" / f"reference-c{data.customers}-d{data.days}"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    db = out_dir / "reference.duckdb"
    m = run_worker(
        ["reference", "--landing", str(data.path), "--db", str(db)], {}, out_dir / "r.json", out_dir / "r.log"
    )
    con = duckdb.connect(str(db), read_only=True)
    try:
        ref_tags = set(con.execute("SELECT customer_id, tag FROM reference_tags").fetchall())
    finally:
        con.close()
    plat_tags = platform.tags()
    return {
        **m.as_dict(),
        "tags_equal": ref_tags == plat_tags,
        "tags_only_in_reference": len(ref_tags - plat_tags),
        "tags_only_in_platform": len(plat_tags - ref_tags),
        "examples_of_difference": sorted(ref_tags ^ plat_tags)[:5],
    }


def ml_cases(transformers: int, forecast_days: int, messages: int) -> dict:
    """Case 4: Prophet fits/s (1 vs 2 processes), intent training time and batched inference msg/s, hooks."""
    return {
        "prophet": prophet(transformers, forecast_days),
        "intent": intent(messages),
        "consumption_scoring": hook("bench.ml_consumption", customers=10_000),
        "work_order_delivery": hook("bench.serving", orders=2_000),
    }


def prophet(transformers: int, days: int) -> dict:
    """Fits per second over a simulated fleet, one process vs a `spawn` pool of two (bench/ml_fault_risk.py)."""
    from bench.ml_fault_risk import benchmark

    result, m = in_process(benchmark, transformers, days, 2)
    return {**result, **m.as_dict()}


def intent(messages: int) -> dict:
    """Training time of the small intent config and batched inference messages/s over `messages` messages."""
    from ml.intent import IntentTrainConfig, load_corpus, train

    (metrics, objects), trained = in_process(train, IntentTrainConfig.small())
    corpus = load_corpus(IntentTrainConfig().train_path)
    texts = corpus["text"].tolist()
    texts = (texts * (messages // len(texts) + 1))[:messages]
    model = objects["model"]
    _, scored = in_process(model.predict, texts)
    return {
        "train_small": {**trained.as_dict(), "eval_accuracy": round(float(metrics["eval/accuracy"]), 4)},
        "inference": {
            **scored.as_dict(),
            "messages": messages,
            "messages_per_second": round(messages / scored.wall_seconds),
        },
    }


def hook(module: str, **kwargs) -> dict:
    """Run `<module>.benchmark(**kwargs)` if that module exists (built in another branch), measured.

    The contract for those modules: `benchmark(...) -> dict` of their own figures (e.g. customers/s or
    orders/s); the harness adds wall/CPU/memory.
    """
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        return {"skipped": f"{module} not present ({exc.name})"}
    if not hasattr(mod, "benchmark"):
        return {"skipped": f"{module} has no benchmark() entry point"}
    result, m = in_process(mod.benchmark, **kwargs)
    return {**result, **m.as_dict()}
