"""Jobs: what `make run` and the nightly schedule execute."""

import dagster as dg

from orchestration.partitions import daily_partitions

# DuckDB admits one writing process per file, so on the embedded default the steps run in one process;
# on PostgreSQL they run in parallel processes (and scale out with Celery or Kubernetes executors).
ingestion_job = dg.define_asset_job(
    "ingestion",
    selection=dg.AssetSelection.groups("ingestion"),
    partitions_def=daily_partitions,
    description="Load every new landing file of the selected days into the raw schema.",
)

nightly_job = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all(),
    partitions_def=daily_partitions,
    description="Everything, for the selected days: ingestion, then the warehouse, ML scoring and serving.",
)

jobs = [ingestion_job, nightly_job]
