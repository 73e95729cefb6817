"""Ingestion: one asset per landing dataset, loading new files into the `raw` schema.

Each asset reads, validates and quarantines through `orchestration.ingestion`; the body only turns the
outcome into Dagster metadata and asset-check results (row conservation, whole-file rejects, and the
dataset's Great Expectations suite over the rows this run loaded).
"""

import datetime as dt

import dagster as dg
import pandas as pd

from orchestration.ingestion.contract import DATASETS, Dataset
from orchestration.ingestion.expectations import validate
from orchestration.ingestion.ingest import DatasetLoad, load_dataset
from orchestration.resources import LandingResource, WarehouseResource
from orchestration.warehouse import RAW_SCHEMA, Warehouse

# Great Expectations runs in pandas: past this many rows a run validates the first rows only (a backfill
# of a year of readings would otherwise need the whole year in memory) and says so in the check metadata.
GX_MAX_ROWS = 1_000_000

CHECKS = ("rows_conserved", "no_file_rejected", "expectations")


def report_progress(context: dg.AssetExecutionContext, line: str) -> None:
    """A line per asset on stdout (make run shows it as it happens) and in the run's log."""
    print(line, flush=True)
    context.log.info(line)


def _partition_days(context: dg.AssetExecutionContext) -> set[dt.date] | None:
    if not context.has_partition_key_range and not context.has_partition_key:
        return None
    window = context.partition_time_window
    start, end = window.start.date(), window.end.date()
    return {start + dt.timedelta(days=i) for i in range((end - start).days)}


def _loaded_rows(warehouse: Warehouse, load: DatasetLoad) -> pd.DataFrame:
    files = [f.relpath for f in load.files if f.status == "loaded"]
    if not files:
        return pd.DataFrame()
    marks = ", ".join("?" * len(files))
    cols = ", ".join(f'"{c}"' for c in DATASETS[load.dataset].column_names)
    # The loaded days bound the scan: on the raw table, which grows by a day per night, a filter on the
    # file names alone reads every past day's rows (the nightly run would grow with the history).
    days = sorted({f.day for f in load.files if f.status == "loaded" and f.day is not None})
    window = f" AND _delivery_date BETWEEN '{days[0].isoformat()}' AND '{days[-1].isoformat()}'" if days else ""
    # Through Arrow, not Python tuples: a million rows as tuples cost ~1 GB and most of the check's time.
    return warehouse.frame(
        f"SELECT {cols}, _delivery_date FROM {RAW_SCHEMA}.{load.table} WHERE _source_file IN ({marks}){window} "
        f"LIMIT {GX_MAX_ROWS}",
        files,
    )


def _metadata(load: DatasetLoad, days: set[dt.date] | None) -> dict:
    meta = {
        "rows_read": load.rows_read,
        "rows_loaded": load.rows_loaded,
        "rows_quarantined": load.rows_rejected,
        "files_loaded": sum(f.status == "loaded" for f in load.files),
        "files_unchanged": sum(f.status == "unchanged" for f in load.files),
        "files_rejected": len(load.files_rejected),
        "seconds": round(load.seconds, 2),
        "rows_per_second": round(load.rows_read / load.seconds) if load.seconds else 0,
        "table": f"{RAW_SCHEMA}.{load.table}",
    }
    if days:
        meta["days"] = f"{min(days)} … {max(days)} ({len(days)})"
    reasons: dict[str, int] = {}
    for f in load.files:
        for k, v in f.reasons.items():
            reasons[k] = reasons.get(k, 0) + v
    if reasons:
        meta["quarantine_reasons"] = dg.MetadataValue.json(reasons)
    meta["lines"] = load.total("lines")
    normalised = load.normalised()
    meta["values_normalised"] = sum(n for counts in normalised.values() for n in counts.values())
    if normalised:
        meta["normalised"] = dg.MetadataValue.json(normalised)
    notes = [f"{f.relpath}: {f.message}" for f in load.files if f.message] + load.problems
    if notes:
        meta["file_notes"] = dg.MetadataValue.md("\n".join(f"- {n}" for n in notes[:50]))
    return meta


def build_ingestion_asset(dataset: Dataset, partitions_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The ingestion asset of one landing dataset (its key is the raw table's name); a daily dataset's asset
    is partitioned by `partitions_def`."""
    deps = ["raw_cis__customers"] if dataset.name == "meter_readings" else []

    @dg.asset(
        name=dataset.table,
        group_name="ingestion",
        description=f"{dataset.description} Loaded from {dataset.name}{'/' if dataset.daily else ''} "
        f"in LANDING_DIR into {RAW_SCHEMA}.{dataset.table}; bad rows go to {RAW_SCHEMA}.rejects.",
        partitions_def=partitions_def if dataset.daily else None,
        backfill_policy=dg.BackfillPolicy.single_run() if dataset.daily else None,
        deps=deps,
        kinds={"python", "duckdb"},
        check_specs=[
            dg.AssetCheckSpec(
                "rows_conserved",
                asset=dataset.table,
                blocking=True,
                description="Every line of every file loaded is in a row that loaded or was "
                "quarantined (or is blank); a file rejected whole says why.",
            ),
            dg.AssetCheckSpec(
                "no_file_rejected",
                asset=dataset.table,
                description="No file of this run was rejected whole (missing column, unreadable).",
            ),
            dg.AssetCheckSpec(
                "expectations",
                asset=dataset.table,
                blocking=True,
                description=f"Great Expectations suite {dataset.table}_suite on the rows loaded.",
            ),
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource):
        days = _partition_days(context)
        wh = warehouse.get()
        load = load_dataset(wh, dataset, landing.path, days, progress=context.log.info)
        gx = validate(dataset, _loaded_rows(wh, load)) if load.rows_loaded else None
        report_progress(
            context,
            f"{dataset.table}: {load.rows_loaded:,} rows loaded, {load.rows_rejected:,} quarantined, "
            f"{sum(f.status == 'loaded' for f in load.files)} files ({len(load.files_rejected)} rejected) "
            f"in {load.seconds:.1f} s",
        )
        rejected = load.files_rejected
        yield dg.MaterializeResult(
            metadata={**_metadata(load, days), **wh.snapshot_metadata()},
            check_results=[
                dg.AssetCheckResult(
                    check_name="rows_conserved",
                    passed=load.rows_conserved,
                    metadata={
                        "lines": load.total("lines"),
                        "lines_accounted": load.total("lines_accounted"),
                        "rows_read": load.rows_read,
                        "rows_loaded": load.rows_loaded,
                        "rows_quarantined": load.rows_rejected,
                        "lines_unaccounted": dg.MetadataValue.json(load.lines_unaccounted),
                    },
                ),
                dg.AssetCheckResult(
                    check_name="no_file_rejected",
                    passed=not rejected,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={"rejected": dg.MetadataValue.md("\n".join(f"- {f.message}" for f in rejected) or "none")},
                ),
                dg.AssetCheckResult(
                    check_name="expectations",
                    passed=gx is None or gx.success,
                    metadata={
                        "rows_validated": gx.rows if gx else 0,
                        "expectations": gx.evaluated if gx else 0,
                        "failed": ", ".join(gx.failed) if gx and gx.failed else "none",
                    },
                ),
            ],
        )

    return _ingest


def build_ingestion_assets(partitions_def: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """One ingestion asset per landing dataset, the daily ones partitioned by `partitions_def`: built when the
    definitions are, since the partitions' first day is configuration (PARTITIONS_START)."""
    return [build_ingestion_asset(ds, partitions_def) for ds in DATASETS.values()]
