"""Every external system the platform talks to, configured from the environment — in this module only.

| variable | default | what |
|---|---|---|
| LANDING_DIR | data/landing | where source systems deliver files (docs/landing_contract.md) |
| WAREHOUSE_URL | ducklake:///data/lake | the warehouse: the lake (file or PostgreSQL catalog), a DuckDB file or PostgreSQL (url.py) |
| MLFLOW_TRACKING_URI | sqlite:///data/mlflow/mlflow.db | MLflow tracking store (artifacts beside it) |
| MLFLOW_ARTIFACT_ROOT | beside a SQLite store, else data/mlflow/artifacts | where new experiments keep artifacts |
| TICKETING_URL | (unset) | base URL of the ticketing system that receives work orders |
| TICKETING_TOKEN | (unset) | bearer token for the ticketing system |
| NOTIFY_URL | (unset) | base URL of the notification gateway (SMS, WeChat, app push) that delivers proactive notices |
| NOTIFY_TOKEN | (unset) | bearer token for the notification gateway |
| PARTITIONS_START | 2025-01-01 | first day of the daily partitions |
| DAGSTER_EXECUTOR | (by warehouse) | how a run's steps execute: multiprocess (default), in_process (forced on a single DuckDB file), celery, k8s |
| DAGSTER_MAX_CONCURRENT_STEPS | 2 | steps at once per run under the multiprocess and k8s executors |
| CELERY_BROKER_URL | pyamqp://guest:guest@127.0.0.1:5672// | broker of the celery executor (Celery's own variable: workers read it too) |
| CELERY_RESULT_BACKEND | rpc:// | where celery workers report step results |
| DAGSTER_CELERY_QUEUE | dagster | the broker queue steps are sent to; start workers with `-Q` and the same name |
| BI_READER_PASSWORD | (unset) | password given to PostgreSQL's read-only `bi_reader` role (Superset's login) |

Relative paths are relative to the working directory (the repo root when run through `make`).
Nothing is read at import: `load_settings()` reads the environment on first use (`SETTINGS` is its value).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.serving.delivery import RetryPolicy, TicketingClient
from orchestration.serving.notifications.gateway import GatewayClient
from orchestration.warehouse import Warehouse, WarehouseUrl, parse_warehouse_url
from orchestration.warehouse.dbt_manifest import needs_parse, parse_fingerprint, record_parse

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# The service processes as BPMN 2.0 files: part of the code, versioned with it, not an environment setting.
PROCESS_DIR = PROJECT_ROOT / "docs" / "process"
# The embedded default: the lake under data/, with its catalog in a SQLite file beside the Parquet files.
DEFAULT_WAREHOUSE_URL = "ducklake:///data/lake"


@dataclass(frozen=True)
class Settings:
    """The platform's configuration, read once from the environment."""

    landing_dir: Path
    warehouse_url: str
    mlflow_tracking_uri: str
    ticketing_url: str | None
    partitions_start: str
    executor: str = ""
    max_concurrent_steps: int = 2
    celery_broker_url: str = "pyamqp://guest:guest@127.0.0.1:5672//"
    celery_result_backend: str = "rpc://"
    celery_queue: str = "dagster"
    ticketing_token: str | None = field(default=None, repr=False)
    bi_reader_password: str | None = None
    # Where new MLflow experiments keep their artifacts (a folder or a URI such as s3://…). None: beside a
    # SQLite store; a database-backed store without one keeps them under data/mlflow/artifacts, never in
    # whatever directory the run was started from (MLflow's own default).
    mlflow_artifact_root: str | None = None
    notify_url: str | None = None
    notify_token: str | None = field(default=None, repr=False)
    # How far back the lake can travel: the weekly maintenance expires older snapshots and deletes their files.
    lake_retention_days: int = 30

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            landing_dir=Path(env.get("LANDING_DIR", "data/landing")).resolve(),
            warehouse_url=env.get("WAREHOUSE_URL", DEFAULT_WAREHOUSE_URL),
            mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI", f"sqlite:///{Path('data/mlflow/mlflow.db').resolve()}"),
            ticketing_url=env.get("TICKETING_URL") or None,
            partitions_start=env.get("PARTITIONS_START", "2025-01-01"),
            executor=env.get("DAGSTER_EXECUTOR", ""),
            max_concurrent_steps=int(env.get("DAGSTER_MAX_CONCURRENT_STEPS", "2")),
            celery_broker_url=env.get("CELERY_BROKER_URL", cls.celery_broker_url),
            celery_result_backend=env.get("CELERY_RESULT_BACKEND", cls.celery_result_backend),
            celery_queue=env.get("DAGSTER_CELERY_QUEUE", cls.celery_queue),
            ticketing_token=env.get("TICKETING_TOKEN") or None,
            bi_reader_password=env.get("BI_READER_PASSWORD") or None,
            mlflow_artifact_root=env.get("MLFLOW_ARTIFACT_ROOT") or None,
            notify_url=env.get("NOTIFY_URL") or None,
            notify_token=env.get("NOTIFY_TOKEN") or None,
            lake_retention_days=int(env.get("LAKE_RETENTION_DAYS", "30")),
        )

    @property
    def warehouse(self) -> WarehouseUrl:
        return parse_warehouse_url(self.warehouse_url)


@functools.cache
def load_settings() -> Settings:
    """The environment's configuration, read on first use and kept for the process (never at import)."""
    return Settings.from_env()


def __getattr__(name: str):
    """`SETTINGS` (the environment's Settings) stays importable by name but is read on first use only."""
    if name == "SETTINGS":
        return load_settings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse (the lake, a DuckDB file or PostgreSQL) that every asset reads and writes."""

    url: str
    lake_retention_days: int = 30

    def get(self) -> Warehouse:
        return Warehouse(self.url)

    @property
    def parsed(self) -> WarehouseUrl:
        return parse_warehouse_url(self.url)


class BiResource(dg.ConfigurableResource):
    """What BI (Superset) reads: the published DuckDB copy, or PostgreSQL's `bi_reader` role."""

    bi_reader_password: str | None = None


class MlflowResource(dg.ConfigurableResource):
    """The MLflow tracking store and model registry (local SQLite under data/ by default)."""

    tracking_uri: str
    artifact_root: str | None = None

    @property
    def uri(self) -> str:
        """The tracking URI, with the folder of a local SQLite store created on first use."""
        if self.tracking_uri.startswith("sqlite:///"):
            Path(self.tracking_uri[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        return self.tracking_uri

    def registration(self, run_id: str, experiment: str, lake_snapshot: int | None = None) -> dict[str, str | None]:
        """The options every training asset registers its model with: the data version (the lake snapshot the
        training data was read at, which `AT (VERSION => n)` reads again; elsewhere the run), and where a new
        `experiment` keeps its artifacts (`ml.tracking.default_artifact_location` under `artifact_root`; a
        database-backed store with no root keeps them under data/mlflow/artifacts, a SQLite store beside it)."""
        from ml.tracking import default_artifact_location  # mlflow loads with the training step, not the location

        root = self.artifact_root
        if root is None and not self.tracking_uri.startswith("sqlite:///"):
            root = "data/mlflow/artifacts"
        location = None if root is None else default_artifact_location(self.tracking_uri, experiment, root)
        version = f"lake-snapshot-{lake_snapshot}" if lake_snapshot is not None else f"run-{run_id[:8]}"
        return {"data_version": version, "artifact_location": location}


class LandingResource(dg.ConfigurableResource):
    """The folder where source systems deliver files."""

    landing_dir: str

    @property
    def path(self) -> Path:
        return Path(self.landing_dir)


class TicketingResource(dg.ConfigurableResource):
    """The ticketing system (工单系统) that receives work orders; without a URL, orders wait in the outbox.

    The token comes from TICKETING_TOKEN as a `dg.EnvVar`, so the Dagster UI shows the variable's name and
    never its value; the client keeps it in its request headers only.
    """

    url: str | None = None
    token: str | None = None
    read_timeout_s: float = 10.0
    max_attempts: int = 4
    backoff_s: float = 0.5
    open_circuit_after: int = 5
    threads: int = 4

    def _policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            backoff_s=self.backoff_s,
            read_timeout_s=self.read_timeout_s,
            open_circuit_after=self.open_circuit_after,
            threads=self.threads,
        )

    def client(self) -> TicketingClient | None:
        """A client for the configured URL, or None when no ticketing system is configured."""
        return TicketingClient(self.url, self.token, self._policy()) if self.url else None


class NotifyResource(TicketingResource):
    """The notification gateway (SMS, WeChat, app push) that delivers proactive notices; without NOTIFY_URL the
    messages wait in serving.notifications and the run says so. Its token (NOTIFY_TOKEN) is handled like
    the ticketing system's."""

    def client(self) -> GatewayClient | None:
        """A client for the configured URL, or None when no gateway is configured."""
        return GatewayClient(self.url, self.token, self._policy()) if self.url else None


def _token(value: str | None, variable: str):
    """A token as an EnvVar when it is the environment's (hidden in the UI), else as given (tests)."""
    if value and value == os.environ.get(variable):
        return dg.EnvVar(variable)
    return value


@contextlib.contextmanager
def _environ(extra: dict[str, str]):
    """Set variables for a child process started inside the block, and restore them after."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# The incremental models' day range (dbt_project/macros/incremental_date_range.sql). Set empty unless a run gives
# one, never left out: a value inherited from the parent's environment must not narrow a build or a parse.
DAY_RANGE_VARIABLES = ("GRIDCARE_MIN_DATE", "GRIDCARE_MAX_DATE")


class WarehouseDbtResource(DbtCliResource):
    """dbt against the configured warehouse: the target and the connection follow WAREHOUSE_URL.

    dbt reads connections only from dbt_project/profiles.yml, which reads them from the environment;
    this resource puts the warehouse's connection there for the dbt subprocess it starts.
    """

    warehouse_url: str

    def cli(self, args, env: dict[str, str] | None = None, **kwargs):
        """`dbt <args>` with the warehouse's connection and `env` (e.g. the run's day range) in its environment."""
        unset = dict.fromkeys(DAY_RANGE_VARIABLES, "")
        with _environ({**unset, **parse_warehouse_url(self.warehouse_url).dbt_env(), **(env or {})}):
            return super().cli(args, **kwargs)

    def prepare_manifest(self, force: bool = False) -> bool:
        """Parse the project into its target/ (manifest.json, partial_parse.msgpack) unless already current.

        The code location loads that manifest, and each run's dbt starts from that partial-parse state. Parsing
        through `cli` gives dbt exactly the target and connection variables a run gives it: dbt discards its
        partial-parse state and re-parses everything when the profile differs (a DuckDB path, a host), so a
        manifest parsed with profiles.yml's defaults would make every orchestrated build parse in full.

        Returns whether dbt ran: not when the manifest is newer than every project file and was parsed
        for this target and connection (`force` parses anyway).
        """
        project_dir = Path(self.project_dir)
        fingerprint = parse_fingerprint(self.target or "", parse_warehouse_url(self.warehouse_url).dbt_env())
        if not force and not needs_parse(project_dir, fingerprint):
            return False
        self.cli(["parse", "--quiet"], target_path=project_dir / "target").wait()
        record_parse(project_dir, fingerprint)
        return True


def build_resources(settings: Settings | None = None) -> dict:
    """The resources for a given configuration (default: the environment's; tests pass their own Settings)."""
    settings = settings or load_settings()
    return {
        "warehouse": WarehouseResource(url=settings.warehouse_url, lake_retention_days=settings.lake_retention_days),
        "landing": LandingResource(landing_dir=str(settings.landing_dir)),
        "mlflow": MlflowResource(
            tracking_uri=settings.mlflow_tracking_uri, artifact_root=settings.mlflow_artifact_root
        ),
        "ticketing": TicketingResource(
            url=settings.ticketing_url, token=_token(settings.ticketing_token, "TICKETING_TOKEN")
        ),
        "notify": NotifyResource(url=settings.notify_url, token=_token(settings.notify_token, "NOTIFY_TOKEN")),
        "bi": BiResource(bi_reader_password=settings.bi_reader_password),
        "dbt": WarehouseDbtResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            target=settings.warehouse.dbt_target,
            # The dbt of this interpreter's environment, found without relying on PATH.
            dbt_executable=str(Path(sys.executable).with_name("dbt")),
            warehouse_url=settings.warehouse_url,
        ),
    }


EXECUTORS = ("in_process", "multiprocess", "celery", "k8s")
# Imported once by the process that forks step processes (the multiprocess executor's forkserver, a Celery
# worker's `-I`), so a step starts at once instead of importing dagster, dbt, torch and Lightning (6-25 s), and
# Great Expectations, which every ingestion step needs but the code location imports lazily.
PRELOAD_MODULES = ("orchestration.definitions", "great_expectations")


def build_executor(settings: Settings | None = None) -> dg.ExecutorDefinition:
    """How a run's steps execute, chosen once for every job.

    Unset, DAGSTER_EXECUTOR follows the warehouse: the lake and PostgreSQL take writers from many processes, so
    steps run in parallel processes (DAGSTER_MAX_CONCURRENT_STEPS); a single DuckDB file admits one writing
    process, so its steps share the run's process. `celery` hands each step to the
    Celery workers listening on CELERY_BROKER_URL (queue DAGSTER_CELERY_QUEUE), `k8s` to one Kubernetes Job per step.
    Every executor but in_process needs a persistent instance (DAGSTER_HOME) that all step processes reach.
    """
    settings = settings or load_settings()
    concurrent = settings.warehouse.concurrent_writers
    kind = settings.executor or ("multiprocess" if concurrent else "in_process")
    if kind not in EXECUTORS:
        raise ValueError(f"DAGSTER_EXECUTOR={kind!r}: expected one of {', '.join(EXECUTORS)}")
    if kind != "in_process" and not concurrent:
        raise ValueError(
            f"DAGSTER_EXECUTOR={kind} needs a warehouse that several processes write: a DuckDB file admits one "
            "writing process, so its steps must share one (in_process). Set WAREHOUSE_URL=ducklake:///data/lake "
            "(or a lake with a PostgreSQL catalog, or postgresql://...)"
        )
    if kind == "in_process":
        return dg.in_process_executor
    if kind == "multiprocess":
        return dg.multiprocess_executor.configured(
            {
                "max_concurrent": settings.max_concurrent_steps,
                # One dbt step at a time: dbt's commits are not retried (orchestration/warehouse/assets.py).
                "tag_concurrency_limits": [{"key": "gridcare/writer", "value": "dbt", "limit": 1}],
                "start_method": {"forkserver": {"preload_modules": list(PRELOAD_MODULES)}},
            }
        )
    if kind == "celery":
        from dagster_celery import celery_executor

        # A queue per deployment lets staging and production share a broker without taking each other's steps.
        return celery_executor.configured(
            {
                "broker": settings.celery_broker_url,
                "backend": settings.celery_result_backend,
                "config_source": {"task_default_queue": settings.celery_queue},
            }
        )
    from dagster_k8s import k8s_job_executor

    return k8s_job_executor.configured({"max_concurrent": settings.max_concurrent_steps})
