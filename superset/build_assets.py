"""Write superset/assets/ (Superset's export format) from the dashboard spec in superset/dashboard_spec/.

The committed YAML under superset/assets/ is what `make superset` and the tests import; the spec only saves
hand-writing ~20 chart files with their form data and query contexts in step. Edit the spec, run

    .venv/bin/python superset/build_assets.py

and commit both (tests/orchestration/bi/test_assets.py fails when they drift apart).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
# The spec is a package beside this script, not an installed one: `superset` is Superset's own package name.
sys.path.insert(0, str(HERE))

from dashboard_spec.charts import chart_yaml  # noqa: E402
from dashboard_spec.dashboards import DASHBOARDS  # noqa: E402
from dashboard_spec.datasets import ML_COLUMNS, dataset_yaml, mart_columns  # noqa: E402
from dashboard_spec.layout import dashboard_yaml  # noqa: E402
from dashboard_spec.model import VERSION, stable_uuid  # noqa: E402

ASSETS = HERE / "assets"
DATABASE_NAME = "gridcare 数据仓库"
# Replaced at import by superset/provision.py with the BI copy or the bi_reader connection actually in use.
DATABASE_URI = "duckdb:///data/bi/warehouse.duckdb"


def build(out: Path = ASSETS) -> list[Path]:
    """Write the whole export bundle into `out` (replacing what is there); returns the files written."""
    marts = mart_columns()
    tables = {c.dataset for d in DASHBOARDS for row in d.rows for c in row}
    unknown = tables - set(marts) - set(ML_COLUMNS)
    if unknown:
        raise SystemExit(f"charts read tables that are neither marts nor ML tables: {sorted(unknown)}")
    db_uuid = stable_uuid("database", "warehouse")
    files: dict[str, dict] = {
        "metadata.yaml": {"version": VERSION, "type": "assets", "timestamp": "2026-11-25T00:00:00+00:00"},
        "databases/gridcare_warehouse.yaml": {
            "database_name": DATABASE_NAME,
            "sqlalchemy_uri": DATABASE_URI,
            "cache_timeout": None,
            "expose_in_sqllab": True,
            "allow_run_async": False,
            "allow_ctas": False,
            "allow_cvas": False,
            "allow_dml": False,
            "allow_file_upload": False,
            "impersonate_user": False,
            "extra": {"allows_virtual_table_explore": True, "engine_params": {"connect_args": {"read_only": True}}},
            "uuid": db_uuid,
            "version": VERSION,
        },
    }
    dataset_uuids: dict[str, str] = {}
    has_district: set[str] = set()
    for table in sorted(tables):
        schema, cols = ("ml", ML_COLUMNS[table]) if table in ML_COLUMNS else ("marts", marts[table])
        ds = dataset_yaml(table, schema, cols, db_uuid)
        dataset_uuids[table] = ds["uuid"]
        if any(n == "district" for n, _, _ in cols):
            has_district.add(table)
        files[f"datasets/gridcare_warehouse/{table}.yaml"] = ds
    next_id = 1
    for dashboard in DASHBOARDS:
        chart_ids: dict[str, int] = {}
        for row in dashboard.rows:
            for chart in row:
                chart_ids[chart.key] = next_id
                next_id += 1
                files[f"charts/{dashboard.slug}__{chart.key}.yaml"] = chart_yaml(
                    chart, dashboard, dataset_uuids[chart.dataset]
                )
        files[f"dashboards/{dashboard.slug}.yaml"] = dashboard_yaml(dashboard, chart_ids, dataset_uuids, has_district)
    if out.exists():
        shutil.rmtree(out)
    written = []
    for rel, content in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    paths = build()
    print(f"wrote {len(paths)} files under {ASSETS}")
