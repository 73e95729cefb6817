"""Jobs: what `make run` and the nightly schedule execute."""

import dagster as dg

from orchestration.partitions import daily_partitions
from orchestration.resources import build_executor

# In-process on DuckDB, parallel processes on PostgreSQL, Celery or Kubernetes when DAGSTER_EXECUTOR says so.
EXECUTOR = build_executor()

# Runs carrying this tag rebuild tables in place (dbt marts, ML scores); the production instance lets one
# such run at a time proceed (orchestration/instance/dagster.postgres.yaml), ingestion-only runs in parallel.
WRITES_WAREHOUSE = {"gridcare/writes": "warehouse"}

ingestion_job = dg.define_asset_job(
    "ingestion",
    selection=dg.AssetSelection.groups("ingestion"),
    partitions_def=daily_partitions,
    description="Load every new landing file of the selected days into the raw schema.",
    executor_def=EXECUTOR,
)

warehouse_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.groups("ingestion", "process", "warehouse"),
    partitions_def=daily_partitions,
    description="Ingestion and the dbt build, without models: the data mid-platform alone.",
    tags=WRITES_WAREHOUSE,
    executor_def=EXECUTOR,
)

nightly_job = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all(),
    partitions_def=daily_partitions,
    description="Everything, for the selected days: ingestion, then the warehouse, ML scoring and serving.",
    tags=WRITES_WAREHOUSE,
    executor_def=EXECUTOR,
)

TRAINING_ASSETS = ("intent_classifier", "transformer_fault_model", "consumption_forecaster", "complaint_model")

retrain_job = dg.define_asset_job(
    "retrain_models",
    # Superset dashboards are downstream too, but external: they refresh by themselves once the BI copy does.
    selection=dg.AssetSelection.assets(*TRAINING_ASSETS).downstream().materializable(),
    config={"ops": {name: {"config": {"retrain": True}} for name in TRAINING_ASSETS}},
    description="Retrain every model on the latest data (agents' labels included), promote if at least as "
    "good as the champion, and rescore.",
    tags=WRITES_WAREHOUSE,
    executor_def=EXECUTOR,
)

jobs = [ingestion_job, warehouse_job, nightly_job, retrain_job]
