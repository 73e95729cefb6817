"""Read the dashboards' lineage from Superset's export YAML (superset/assets/): dashboard → charts → datasets
→ warehouse tables. The Dagster graph is derived from it, so it cannot drift from what Superset imports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class DashboardLineage:
    """One dashboard and the warehouse tables its charts read."""

    key: str  # file stem of dashboards/<key>.yaml, the Dagster asset key's last part
    title: str
    description: str
    tables: tuple[tuple[str, str], ...]  # sorted (schema, table)
    charts: tuple[str, ...]  # chart titles, in layout order


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def read_lineage(assets_dir: Path) -> list[DashboardLineage]:
    """Every dashboard of an export bundle with the tables behind it, sorted by key.

    Raises ValueError naming the file when a chart or dataset the bundle refers to is missing from it.
    """
    datasets = {}
    for path in sorted((assets_dir / "datasets").rglob("*.yaml")):
        ds = _load(path)
        datasets[ds["uuid"]] = (ds["schema"], ds["table_name"])
    charts = {}
    for path in sorted((assets_dir / "charts").glob("*.yaml")):
        chart = _load(path)
        if chart["dataset_uuid"] not in datasets:
            raise ValueError(f"{path}: dataset_uuid {chart['dataset_uuid']} is not in {assets_dir / 'datasets'}")
        charts[chart["uuid"]] = (chart["slice_name"], datasets[chart["dataset_uuid"]])
    dashboards = []
    for path in sorted((assets_dir / "dashboards").glob("*.yaml")):
        dash = _load(path)
        chart_uuids = [
            node["meta"]["uuid"] for node in _in_layout_order(dash["position"]) if node.get("type") == "CHART"
        ]
        missing = [u for u in chart_uuids if u not in charts]
        if missing:
            raise ValueError(f"{path}: charts {missing} are not in {assets_dir / 'charts'}")
        dashboards.append(
            DashboardLineage(
                key=path.stem,
                title=dash["dashboard_title"],
                description=dash.get("description") or "",
                tables=tuple(sorted({charts[u][1] for u in chart_uuids})),
                charts=tuple(charts[u][0] for u in chart_uuids),
            )
        )
    return dashboards


def _in_layout_order(position: dict) -> list[dict]:
    """Layout nodes depth-first from the root, as the dashboard shows them."""
    out, stack = [], ["ROOT_ID"]
    while stack:
        node = position.get(stack.pop(0))
        if not isinstance(node, dict):
            continue
        out.append(node)
        stack[:0] = node.get("children", [])
    return out
