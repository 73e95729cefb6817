"""The code location: merges the domain modules, holds no logic.

Loading it reads the configuration (`load_settings`, in orchestration/resources.py) and dbt's manifest, and
starts no process: the manifest is prepared beforehand by `make dbt-manifest` (orchestration/prepare.py).
"""

import warnings

import dagster as dg

from orchestration.bi.assets import dashboard_assets
from orchestration.ingestion.assets import build_ingestion_assets
from orchestration.jobs import jobs
from orchestration.knowledge.assets import knowledge_assets
from orchestration.partitions import daily_partitions
from orchestration.process.assets import process_assets
from orchestration.resources import Settings, build_executor, build_resources, load_settings
from orchestration.schedules import schedules, sensors
from orchestration.scoring.assets import ml_assets
from orchestration.serving.assets import serving_assets
from orchestration.warehouse.assets import (
    lake_maintenance,
    warehouse_dbt_assets,
    warehouse_ml_marts,
    warehouse_serving_marts,
)

# Single-run backfill policies (the ingestion assets, built below) are marked beta; the platform relies on
# them knowingly.
warnings.filterwarnings("ignore", category=dg.BetaWarning)


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """The code location for a configuration (default: the environment's)."""
    settings = settings or load_settings()
    return dg.Definitions(
        assets=[
            *build_ingestion_assets(daily_partitions(settings.partitions_start)),
            *process_assets,
            warehouse_dbt_assets,
            warehouse_ml_marts,
            warehouse_serving_marts,
            *ml_assets,
            *knowledge_assets,
            *serving_assets,
            *dashboard_assets,
            lake_maintenance,
        ],
        jobs=jobs,
        schedules=schedules,
        sensors=sensors,
        resources=build_resources(settings),
        # In-process on DuckDB, parallel processes on PostgreSQL, Celery or Kubernetes when DAGSTER_EXECUTOR says so.
        executor=build_executor(settings),
    )


defs = build_definitions()
