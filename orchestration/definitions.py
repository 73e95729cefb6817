"""The code location: merges the domain modules, holds no logic."""

import warnings

import dagster as dg

# Single-run backfill policies are marked beta; the platform relies on them knowingly.
warnings.filterwarnings("ignore", category=dg.BetaWarning)

from orchestration.assets.dashboards import dashboard_assets
from orchestration.assets.ingestion import ingestion_assets
from orchestration.assets.knowledge import knowledge_assets
from orchestration.assets.ml import ml_assets
from orchestration.assets.process import process_assets
from orchestration.assets.serving import serving_assets
from orchestration.assets.warehouse import warehouse_dbt_assets, warehouse_ml_marts
from orchestration.jobs import jobs
from orchestration.resources import build_resources
from orchestration.schedules import schedules, sensors

defs = dg.Definitions(
    assets=[*ingestion_assets, *process_assets, warehouse_dbt_assets, warehouse_ml_marts, *ml_assets, *knowledge_assets,
            *serving_assets, *dashboard_assets],
    jobs=jobs,
    schedules=schedules,
    sensors=sensors,
    resources=build_resources(),
)
