"""Dashboards in the Dagster graph: derived from superset/assets, downstream of exactly the tables they read."""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

import dagster as dg

from orchestration.bi.superset import read_lineage

ROOT = Path(__file__).resolve().parents[3]
ASSETS = ROOT / "superset" / "assets"


def test_service_overview_depends_on_exactly_the_tables_its_charts_read():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey(["superset", "service_overview"]))
    assert node.parent_keys == {
        dg.AssetKey("daily_service_kpis"),
        dg.AssetKey("fct_service_tickets"),
        dg.AssetKey("interaction_intents"),
    }


def test_every_dashboard_hangs_off_real_marts_and_ml_tables():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    dashboards = {k for k in keys if k.path[0] == "superset"}
    assert {k.path[1] for k in dashboards} == {
        "service_overview",
        "satisfaction_trend",
        "service_heatmap",
        "customer_profiles",
        "equipment_risk",
        "process_channels",
        "usage_forecast",
        "assistant",
        "proactive_service",
    }
    for key in dashboards:
        parents = graph.get(key).parent_keys
        # Each parent is a materializable mart or ML asset, so the lineage runs back to the landing files.
        assert parents and all(graph.get(p).is_materializable for p in parents), key
    assert graph.get(dg.AssetKey(["superset", "equipment_risk"])).parent_keys == {
        dg.AssetKey("transformer_daily_load"),
        dg.AssetKey("transformer_fault_risk"),
    }
    assert graph.get(dg.AssetKey(["superset", "proactive_service"])).parent_keys == {
        dg.AssetKey("notification_kpis"),
        dg.AssetKey("notification_opt_outs"),
    }


def test_the_notice_marts_run_after_the_night_s_sending():
    """serving.notifications is the notification_delivery asset (its delivery states), so the marts reading it
    are built by the third dbt selection, downstream of the sending, and not in the first."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    assert dg.AssetKey("notification_delivery") in graph.get(dg.AssetKey("stg_serving__notifications")).parent_keys
    assert dg.AssetKey("notification_kpis") in graph.get_all_asset_keys()
    assert graph.get(dg.AssetKey("raw_assistant__messages")).is_materializable is False


def test_lineage_reads_titles_and_chart_order_from_the_yaml():
    lineage = {d.key: d for d in read_lineage(ASSETS)}
    heat = lineage["service_heatmap"]
    assert (heat.title, heat.tables) == ("服务热力图", (("marts", "fct_service_tickets"),))
    assert heat.charts == ("工单量：区县 × 时段", "工单量：区县 × 类型")
    # Charts read marts and ML tables only: never raw or staging (unmasked personal data).
    assert {s for d in lineage.values() for s, _ in d.tables} == {"marts", "ml"}


def test_committed_export_matches_its_spec(tmp_path):
    spec = importlib.util.spec_from_file_location("build_assets", ROOT / "superset" / "build_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path / "assets")
    cmp = filecmp.dircmp(tmp_path / "assets", ASSETS)

    def diffs(c, prefix=""):
        out = [prefix + n for n in c.left_only + c.right_only + c.diff_files]
        for name, sub in c.subdirs.items():
            out += diffs(sub, f"{prefix}{name}/")
        return out

    assert diffs(cmp) == [], "superset/assets differs from superset/build_assets.py: run it and commit both"
