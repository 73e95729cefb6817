"""BI: the read-safe warehouse Superset reads, and each Superset dashboard as an asset downstream of its tables.

The dashboards' dependencies are derived from the export YAML under superset/assets/ (dashboard → charts →
datasets → table), the same files Superset imports, so a broken mart shows in the graph which dashboards it
affects, and a chart moved to another mart moves the edge with it.
"""

import json

import dagster as dg

from orchestration.bi.publish import BI_SCHEMAS, grant_bi_reader, publish_duckdb_snapshot, snapshot_path
from orchestration.bi.superset import read_lineage
from orchestration.resources import PROJECT_ROOT, BiResource, WarehouseResource
from orchestration.scoring.assets import interaction_intents, transformer_fault_risk
from orchestration.warehouse.assets import DBT_MANIFEST

SUPERSET_ASSETS = PROJECT_ROOT / "superset" / "assets"


def _bi_tables() -> list[dg.AssetKey]:
    """Every mart of the dbt project and every ML output table: what the BI copy holds."""
    nodes = json.loads(DBT_MANIFEST.read_text(encoding="utf-8"))["nodes"].values()
    marts = sorted(n["name"] for n in nodes if n["resource_type"] == "model" and n["config"].get("schema") == "marts")
    ml = [a.key for a in (interaction_intents, transformer_fault_risk)]
    return [dg.AssetKey(m) for m in marts] + ml


@dg.asset(group_name="dashboards", deps=_bi_tables(), kinds={"duckdb", "postgres"})
def bi_warehouse_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource, bi: BiResource):
    """What Superset reads, refreshed after each build. The lake: the lake itself, read-only, at the snapshot
    this build committed (nothing to copy). A DuckDB file: a copy of the marts and ml schemas only, published
    atomically to bi/warehouse.duckdb beside it. PostgreSQL: grants that let the `bi_reader` role read marts
    and ml and nothing else."""
    wh = warehouse.parsed
    if wh.lake:
        return dg.MaterializeResult(metadata={"reads": "the lake, read-only", **warehouse.get().snapshot_metadata()})
    if wh.engine == "duckdb":
        target = snapshot_path(wh.path)
        rows = publish_duckdb_snapshot(wh.path, target)
        return dg.MaterializeResult(
            metadata={"path": str(target), "tables": len(rows), "rows": sum(rows.values()), "schemas": list(BI_SCHEMAS)}
        )
    with warehouse.get().pg() as con, con.cursor() as cur:
        grant_bi_reader(cur, bi.bi_reader_password)
    return dg.MaterializeResult(metadata={"role": "bi_reader", "schemas": list(BI_SCHEMAS)})


def dashboard_specs() -> list[dg.AssetSpec]:
    """One external asset per dashboard of superset/assets, keyed superset/<dashboard>."""
    return [
        dg.AssetSpec(
            key=dg.AssetKey(["superset", d.key]),
            description=f"Superset dashboard {d.title}: {d.description} Charts: {'、'.join(d.charts)}.",
            deps=[dg.AssetKey(table) for _, table in d.tables],
            group_name="dashboards",
            kinds={"superset"},
            metadata={"title": d.title, "tables": [f"{s}.{t}" for s, t in d.tables]},
        )
        for d in read_lineage(SUPERSET_ASSETS)
    ]


dashboard_assets = [bi_warehouse_snapshot, *dashboard_specs()]
