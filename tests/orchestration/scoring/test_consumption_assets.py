"""The consumption assets sit between the two dbt selections: marts -> forecaster -> forecast -> bill marts."""

from __future__ import annotations

import dagster as dg


def test_nightly_runs_dbt_then_forecast_then_the_marts_that_read_it():
    from orchestration.definitions import defs
    from orchestration.jobs import TRAINING_ASSETS

    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("stg_ml__consumption_forecasts")).parent_keys == {dg.AssetKey("consumption_forecast")}
    assert dg.AssetKey("customer_360") in graph.get(dg.AssetKey("bill_forecast")).child_keys
    assert "consumption_forecaster" in TRAINING_ASSETS

    job = defs.resolve_job_def("nightly")
    deps = job.graph.dependency_structure
    upstream = {
        name: {h.node_name for h in deps.all_upstream_outputs_from_node(name)}
        for name in ("consumption_forecaster", "consumption_forecast", "warehouse_ml_marts")
    }
    # Three dbt ops (the third reads the notices sent, after serving), not the split into levels Dagster makes
    # of one op that sits on both sides of the scoring.
    assert sorted(n.name for n in job.graph.nodes if n.name.startswith("warehouse")) == [
        "warehouse_dbt_assets",
        "warehouse_ml_marts",
        "warehouse_serving_marts",
    ]
    assert "warehouse_dbt_assets" in upstream["consumption_forecaster"]
    assert "consumption_forecaster" in upstream["consumption_forecast"]
    assert "consumption_forecast" in upstream["warehouse_ml_marts"]
