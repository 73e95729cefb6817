"""The code location: merges the domain modules, holds no logic."""

import dagster as dg

from orchestration.assets.ingestion import ingestion_assets
from orchestration.jobs import jobs
from orchestration.resources import build_resources

defs = dg.Definitions(
    assets=[*ingestion_assets],
    jobs=jobs,
    resources=build_resources(),
)
