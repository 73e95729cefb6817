"""The code location: merges the domain modules, holds no logic."""

import warnings

import dagster as dg

# Single-run backfill policies are marked beta; the platform relies on them knowingly.
warnings.filterwarnings("ignore", category=dg.BetaWarning)

from orchestration.bi.assets import dashboard_assets
from orchestration.ingestion.assets import ingestion_assets
from orchestration.knowledge.assets import knowledge_assets
from orchestration.scoring.assets import ml_assets
from orchestration.process.assets import process_assets
from orchestration.serving.assets import serving_assets
from orchestration.warehouse.assets import warehouse_dbt_assets, warehouse_ml_marts
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
