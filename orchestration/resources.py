"""Every external system the platform talks to, configured from the environment — in this module only.

| variable | default | what |
|---|---|---|
| LANDING_DIR | data/landing | where source systems deliver files (docs/landing_contract.md) |
| WAREHOUSE_URL | duckdb:///data/warehouse.duckdb | the warehouse: a DuckDB file or postgresql://user[:pw]@host:port/db |
| MLFLOW_TRACKING_URI | sqlite:///data/mlflow/mlflow.db | MLflow tracking store (artifacts beside it) |
| TICKETING_URL | (unset) | base URL of the ticketing system that receives work orders |
| TICKETING_TOKEN | (unset) | bearer token for the ticketing system |
| PARTITIONS_START | 2025-01-01 | first day of the daily partitions |
| BI_READER_PASSWORD | (unset) | password given to PostgreSQL's read-only `bi_reader` role (Superset's login) |

Relative paths are relative to the working directory (the repo root when run through `make`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.lib.warehouse import Warehouse, WarehouseUrl, parse_warehouse_url

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


@dataclass(frozen=True)
class Settings:
    """The platform's configuration, read once from the environment."""

    landing_dir: Path
    warehouse_url: str
    mlflow_tracking_uri: str
    ticketing_url: str | None
    partitions_start: str
    bi_reader_password: str | None = None

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        return cls(
            landing_dir=Path(env.get("LANDING_DIR", "data/landing")).resolve(),
            warehouse_url=env.get("WAREHOUSE_URL", "duckdb:///data/warehouse.duckdb"),
            mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI", f"sqlite:///{Path('data/mlflow/mlflow.db').resolve()}"),
            ticketing_url=env.get("TICKETING_URL") or None,
            partitions_start=env.get("PARTITIONS_START", "2025-01-01"),
            bi_reader_password=env.get("BI_READER_PASSWORD") or None,
        )

    @property
    def warehouse(self) -> WarehouseUrl:
        return parse_warehouse_url(self.warehouse_url)


SETTINGS = Settings.from_env()


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse (DuckDB file or PostgreSQL) that every asset reads and writes."""

    url: str

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

    @property
    def uri(self) -> str:
        """The tracking URI, with the folder of a local SQLite store created on first use."""
        if self.tracking_uri.startswith("sqlite:///"):
            Path(self.tracking_uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        return self.tracking_uri


class LandingResource(dg.ConfigurableResource):
    """The folder where source systems deliver files."""

    landing_dir: str

    @property
    def path(self) -> Path:
        return Path(self.landing_dir)


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


class WarehouseDbtResource(DbtCliResource):
    """dbt against the configured warehouse: the target and the connection follow WAREHOUSE_URL.

    dbt reads connections only from dbt_project/profiles.yml, which reads them from the environment;
    this resource puts the warehouse's connection there for the dbt subprocess it starts.
    """

    warehouse_url: str

    def cli(self, args, **kwargs):
        with _environ(parse_warehouse_url(self.warehouse_url).dbt_env()):
            return super().cli(args, **kwargs)


def build_resources(settings: Settings = SETTINGS) -> dict:
    """The resources for a given configuration (tests pass their own Settings)."""
    return {
        "warehouse": WarehouseResource(url=settings.warehouse_url),
        "landing": LandingResource(landing_dir=str(settings.landing_dir)),
        "mlflow": MlflowResource(tracking_uri=settings.mlflow_tracking_uri),
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
