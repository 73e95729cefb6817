"""Jobs: what `make run` and the nightly schedule execute.

Plain selections, nothing configured here: each job takes its partitions from the assets it selects (the daily
partitions of the ingestion assets) and its executor from the Definitions (`build_executor`, DAGSTER_EXECUTOR).
"""

import dagster as dg

# Runs carrying this tag rebuild tables in place (dbt marts, ML scores); the production instance lets one
# such run at a time proceed (orchestration/instance/dagster.postgres.yaml), ingestion-only runs in parallel.
WRITES_WAREHOUSE = {"gridcare/writes": "warehouse"}

ingestion_job = dg.define_asset_job(
    "ingestion",
    selection=dg.AssetSelection.groups("ingestion"),
    description="Load every new landing file of the selected days into the raw schema.",
)

warehouse_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.groups("ingestion", "process", "warehouse"),
    description="Ingestion and the dbt build, without models: the data mid-platform alone.",
    tags=WRITES_WAREHOUSE,
)

nightly_job = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("maintenance"),
    description="Everything, for the selected days: ingestion, then the warehouse, ML scoring and serving.",
    tags=WRITES_WAREHOUSE,
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
)

notification_delivery_job = dg.define_asset_job(
    "deliver_notifications",
    selection=dg.AssetSelection.assets("outage_notifications", "notification_delivery"),
    description="Build the notices of outages reported since the last build, then send the proactive notices "
    "now due: those new outage notices and those the night built while their customers slept.",
)

lake_maintenance_job = dg.define_asset_job(
    "maintain_lake",
    selection=dg.AssetSelection.groups("maintenance"),
    description="Merge the lake's small files, expire old snapshots and delete the files nothing reads.",
    tags=WRITES_WAREHOUSE,
)

jobs = [ingestion_job, warehouse_job, nightly_job, retrain_job, notification_delivery_job, lake_maintenance_job]
