"""Jobs: what `make run` and the nightly schedule execute."""

import dagster as dg

from orchestration.partitions import daily_partitions
from orchestration.resources import SETTINGS

# DuckDB admits one writing process per file, so on the embedded default a run's steps share one process;
# on PostgreSQL they run in parallel processes (and scale out with the Celery or Kubernetes executors).
EXECUTOR = (
    dg.in_process_executor
    if SETTINGS.warehouse.engine == "duckdb"
    else dg.multiprocess_executor.configured({"max_concurrent": 2})
)

ingestion_job = dg.define_asset_job(
    "ingestion",
    selection=dg.AssetSelection.groups("ingestion"),
    partitions_def=daily_partitions,
    description="Load every new landing file of the selected days into the raw schema.",
    executor_def=EXECUTOR,
)

warehouse_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.groups("ingestion", "warehouse"),
    partitions_def=daily_partitions,
    description="Ingestion and the dbt build, without models: the data mid-platform alone.",
    executor_def=EXECUTOR,
)

nightly_job = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all(),
    partitions_def=daily_partitions,
    description="Everything, for the selected days: ingestion, then the warehouse, ML scoring and serving.",
    executor_def=EXECUTOR,
)

TRAINING_ASSETS = ("intent_classifier", "transformer_fault_model", "consumption_forecaster")

retrain_job = dg.define_asset_job(
    "retrain_models",
    selection=dg.AssetSelection.assets(*TRAINING_ASSETS).downstream(),
    config={"ops": {name: {"config": {"retrain": True}} for name in TRAINING_ASSETS}},
    description="Retrain every model on the latest data (agents' labels included), promote if at least as "
    "good as the champion, and rescore.",
    executor_def=EXECUTOR,
)

jobs = [ingestion_job, warehouse_job, nightly_job, retrain_job]
