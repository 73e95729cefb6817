"""The complaint assets: training and scoring on a crafted warehouse on both engines, and their place between
the two dbt selections (marts -> complaint model -> ml.complaint_risk -> customer_tags -> work orders)."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd

from orchestration.resources import MlflowResource, WarehouseResource
from orchestration.scoring.assets import complaint_model, complaint_risk
from orchestration.warehouse import Warehouse

D = dt.date(2026, 4, 30)
FIRST = D - dt.timedelta(days=69)
# 40 customers on two transformers; C00..C07 complain every 10 days after a missed repair commitment two days
# before, the others never do, so the model has both classes on every as-of day of the quick preset.
CUSTOMERS = [f"C{i:02d}" for i in range(40)]
COMPLAINERS = CUSTOMERS[:8]


def _ts(day: dt.date, hour: int) -> pd.Timestamp:
    return pd.Timestamp(day) + pd.Timedelta(hours=hour)


def _load(wh: Warehouse) -> None:
    wh.replace_table(
        "marts",
        "dim_customers",
        pd.DataFrame({"customer_id": CUSTOMERS, "transformer_id": ["T1" if i % 2 else "T2" for i in range(40)]}),
    )
    tickets = []
    for k in range(7):
        day = FIRST + dt.timedelta(days=3 + 10 * k)
        for c in COMPLAINERS:
            tickets.append((c, "fault_repair", _ts(day, 9), _ts(day, 12), False, 2))
            tickets.append(
                (c, "complaint", _ts(day + dt.timedelta(days=2), 10), _ts(day + dt.timedelta(days=3), 9), None, None)
            )
        tickets.append((CUSTOMERS[20 + k], "bill_inquiry", _ts(day, 11), _ts(day, 11), None, 5))
    wh.replace_table(
        "marts",
        "fct_service_tickets",
        pd.DataFrame(
            tickets, columns=["customer_id", "ticket_type", "created_at", "resolved_at", "sla_met", "satisfaction"]
        ),
    )
    wh.replace_table(
        "marts",
        "customer_contact_timeline",
        pd.DataFrame(
            [(c, t[2], False, False) for t in tickets for c in [t[0]]],
            columns=["customer_id", "contact_at", "is_repeat_contact", "is_channel_changed"],
        ),
    )
    days = [FIRST + dt.timedelta(days=i) for i in range(70)]
    wh.replace_table(
        "marts",
        "fct_daily_consumption",
        pd.DataFrame(
            [(c, d, 5.0) for c in CUSTOMERS for d in days], columns=["customer_id", "reading_date", "kwh_total"]
        ),
    )
    wh.replace_table(
        "staging",
        "stg_scada__equipment_faults",
        pd.DataFrame({"transformer_id": ["T1"], "fault_at": [_ts(D - dt.timedelta(days=3), 4)]}),
    )


def test_complaint_assets_train_and_write_every_customers_risk(warehouse_url, tmp_path):
    wh = Warehouse(warehouse_url)
    _load(wh)
    resources = {
        "warehouse": WarehouseResource(url=warehouse_url),
        "mlflow": MlflowResource(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}"),
    }
    result = dg.materialize(
        [complaint_model, complaint_risk],
        resources=resources,
        run_config={"ops": {"complaint_model": {"config": {"quick": True}}}},
    )
    assert result.success
    trained = {k: v.value for k, v in result.asset_materializations_for_node("complaint_model")[0].metadata.items()}
    assert (trained["version"], trained["promoted"], trained["train/base_rate_only"]) == (1, True, 0.0)
    rows = wh.query(
        "SELECT customer_id, risk, reasons_zh, model_version, scored_on FROM ml.complaint_risk "
        "ORDER BY risk DESC, customer_id"
    )
    assert len(rows) == 40 and {r[0] for r in rows} == set(CUSTOMERS)
    assert {r[3] for r in rows} == {1} and {pd.Timestamp(r[4]).date() for r in rows} == {D}
    # The customers whose repairs keep missing their commitment and who complained before rank first.
    assert {r[0] for r in rows[:8]} == set(COMPLAINERS)
    assert all(r[2] for r in rows[:8]) and all(0 <= r[1] <= 1 for r in rows)


def test_nightly_scores_complaints_between_the_two_dbt_selections():
    from orchestration.definitions import defs
    from orchestration.jobs import TRAINING_ASSETS

    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("stg_ml__complaint_risks")).parent_keys == {dg.AssetKey("complaint_risk")}
    assert dg.AssetKey("customer_tags") in graph.get(dg.AssetKey("stg_ml__complaint_risks")).child_keys
    assert dg.AssetKey("work_orders") in graph.get(dg.AssetKey("customer_tags")).child_keys
    assert "complaint_model" in TRAINING_ASSETS
    job = defs.resolve_job_def("nightly")
    deps = job.graph.dependency_structure
    upstream = {
        name: {h.node_name for h in deps.all_upstream_outputs_from_node(name)}
        for name in ("complaint_model", "complaint_risk", "warehouse_ml_marts")
    }
    assert "warehouse_dbt_assets" in upstream["complaint_model"]
    assert "complaint_model" in upstream["complaint_risk"]
    assert "complaint_risk" in upstream["warehouse_ml_marts"]
