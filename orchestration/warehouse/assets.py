"""The warehouse: every dbt model of dbt_project/ as an asset, its tests as asset checks.

Asset keys equal table names: a model's key is its name (`customer_360`), and a dbt source's key is the raw
table it reads (`raw_ami__meter_readings`), which is the ingestion asset's key, so lineage runs unbroken from
landing file to mart. A run over a range of daily partitions passes the range to the incremental models as
GRIDCARE_MIN_DATE/GRIDCARE_MAX_DATE; without one they append every day newer than what they hold.

The manifest is read, never written, here: `make dbt-manifest` (orchestration/prepare.py) parses the project
beforehand, so loading the code location starts no dbt process.
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from orchestration.resources import DAY_RANGE_VARIABLES, DBT_PROJECT_DIR, WarehouseDbtResource, WarehouseResource
from orchestration.warehouse.base import Warehouse
from orchestration.warehouse.dbt_manifest import loadable_manifest

DBT_MANIFEST = loadable_manifest(DBT_PROJECT_DIR)


class WarehouseTranslator(DagsterDbtTranslator):
    """Flat asset keys equal to table names, one `warehouse` group, descriptions from the YAML docs.

    A source may name its asset in `meta.dagster.asset_key` when the asset that last writes the table is not
    the one named like it (serving.notifications: its delivery states are written by notification_delivery).
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        meta = dbt_resource_props.get("meta") or (dbt_resource_props.get("config") or {}).get("meta") or {}
        if dbt_resource_props["resource_type"] == "source" and (meta.get("dagster") or {}).get("asset_key"):
            return dg.AssetKey(meta["dagster"]["asset_key"])
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(dbt_resource_props.get("identifier") or dbt_resource_props["name"])
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"


def dbt_range_env(run_tags: Mapping[str, str]) -> dict[str, str]:
    """The run's daily range for the incremental models, as the environment dbt reads it from.

    Environment variables, not `--vars`: changed vars make dbt re-parse the whole project every night,
    a changed environment variable only the few files that read it (dbt_project/macros/incremental_date_range.sql).
    """
    start = run_tags.get("dagster/asset_partition_range_start") or run_tags.get("dagster/partition")
    end = run_tags.get("dagster/asset_partition_range_end") or run_tags.get("dagster/partition")
    if not (start and end):
        # Set empty, not left out: a value inherited from the parent's environment must not narrow the build.
        return dict.fromkeys(DAY_RANGE_VARIABLES, "")
    return {"GRIDCARE_MIN_DATE": start, "GRIDCARE_MAX_DATE": end}


def with_lake_snapshot(events: Iterable, wh: Warehouse) -> Iterator:
    """dbt's events, each model's materialization carrying the lake snapshot it is readable at (`lake_snapshot_id`:
    its own commit or a later one), so a mart can be read again as it was with `AT (VERSION => n)`."""
    for event in events:
        if isinstance(event, dg.Output | dg.AssetMaterialization):
            snapshot = wh.snapshot_metadata()
            if snapshot:
                event = event.with_metadata({**event.metadata, **snapshot})
        yield event


# Models reading the ML schema (the bill forecast, and customer_360 through it) run after the ML scoring,
# which itself reads marts: one dbt op would sit both before and after the scoring asset. Two selections
# keep the job graph acyclic: the warehouse first, then the marts that read predictions.
ML_READERS = "source:ml+"
# The proactive-service marts read serving.notifications, which the serving assets write from the marts:
# a third selection, after the night's notices are built and sent.
SERVING_READERS = "source:serving+"
# A relationships test between a model of each selection (customer_360 -> dim_customers) runs with the
# selection that builds its last parent: dbt's default (eager) would run it with the first, before
# customer_360 exists on a fresh warehouse.
INDIRECT_SELECTION = ["--indirect-selection", "buildable"]


TRANSLATOR = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_build(context: dg.AssetExecutionContext, dbt: WarehouseDbtResource, warehouse: WarehouseResource) -> Iterator:
    """`dbt build` of the op's selection for the run's day range, each materialization with its lake snapshot."""
    events = dbt.cli(["build", *INDIRECT_SELECTION], env=dbt_range_env(context.run.tags), context=context).stream()
    yield from with_lake_snapshot(events, warehouse.get())


# dbt does not retry a commit the lake's catalog refuses while another writer commits (the platform's own writes
# do): the three dbt steps carry this tag, and the multiprocess executor runs one of them at a time
# (orchestration/resources.py).
DBT_STEP = {"gridcare/writer": "dbt"}


def _dbt_step(name: str, description: str, **selection: str):
    """One dbt step of the run: `dbt build` of its selection, tagged so the executor runs one at a time."""

    def step(context: dg.AssetExecutionContext, dbt: WarehouseDbtResource, warehouse: WarehouseResource):
        yield from dbt_build(context, dbt, warehouse)

    step.__doc__ = description  # the op's description in the UI
    return dbt_assets(
        manifest=DBT_MANIFEST, dagster_dbt_translator=TRANSLATOR, name=name, op_tags=DBT_STEP, **selection
    )(step)


warehouse_dbt_assets = _dbt_step(
    "warehouse_dbt_assets",
    "dbt build of the data mid-platform (数据中台): staging views, intermediate models and contracted marts.",
    exclude=f"{ML_READERS} {SERVING_READERS}",
)
warehouse_ml_marts = _dbt_step(
    "warehouse_ml_marts",
    "dbt build of the marts that read the models' predictions (bill_forecast, customer_360), after scoring.",
    select=ML_READERS,
)
warehouse_serving_marts = _dbt_step(
    "warehouse_serving_marts",
    "dbt build of the marts that read what the platform sent (notification_kpis), after the night's notices.",
    select=SERVING_READERS,
)


@dg.asset(group_name="maintenance", kinds={"ducklake"})
def lake_maintenance(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Weekly upkeep of the lake: small files merged, snapshots past the retention (LAKE_RETENTION_DAYS)
    expired, unreferenced files deleted; files and bytes before and after. Nothing to do on a DuckDB file or
    PostgreSQL, which keep their own storage."""
    wh = warehouse.get()
    if not wh.url.lake:
        return dg.MaterializeResult(metadata={"skipped": f"{wh.url.redacted()} is not a lake"})
    report = wh.maintain(dt.timedelta(days=warehouse.lake_retention_days))
    per_table = report.pop("files_per_table_after")
    context.log.info(
        f"lake maintenance: {report['current_files_before']} -> {report['current_files_after']} files read, "
        f"{report['disk_files_before']} -> {report['disk_files_after']} on disk"
    )
    return dg.MaterializeResult(
        metadata={**report, "files_per_table_after": dg.MetadataValue.json(per_table), **wh.snapshot_metadata()}
    )
