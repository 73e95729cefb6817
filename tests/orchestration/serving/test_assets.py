"""The serving assets end to end on a crafted warehouse: build, queue, deliver to a real HTTP stand-in, re-run."""

from __future__ import annotations

import dagster as dg

from orchestration.resources import TicketingResource, WarehouseResource
from orchestration.serving.assets import work_order_delivery, work_orders
from orchestration.warehouse import Warehouse
from tests.doubles.ticketing import TicketingStandIn
from tests.orchestration.serving import crafted


def _run(url: str, ticketing: TicketingResource) -> dict[str, dict]:
    result = dg.materialize(
        [work_orders, work_order_delivery], resources={"warehouse": WarehouseResource(url=url), "ticketing": ticketing}
    )
    assert result.success
    return {
        m.asset_key.to_user_string(): {k: v.value for k, v in m.metadata.items()}
        for m in result.asset_materializations_for_node("work_orders")
        + result.asset_materializations_for_node("work_order_delivery")
    }


def test_serving_assets_deliver_once_and_wait_without_ticketing(tmp_path):
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    wh = Warehouse(url)
    crafted.load(wh)

    # No TICKETING_URL: the orders are built and wait in the outbox.
    first = _run(url, TicketingResource())
    assert (first["work_orders"]["orders"], first["work_orders"]["new_in_outbox"]) == (7, 7)
    assert (first["work_orders"]["preventive_maintenance"], first["work_orders"]["customer_request"]) == (4, 3)
    assert first["work_orders"]["unassigned"] == 1
    assert first["work_order_delivery"] == {
        "ticketing_configured": False,
        "pending": 7,
        "delivered": 0,
        "dead_letter": 0,
    }
    assert wh.query("SELECT count(*), sum(CASE WHEN is_new THEN 1 ELSE 0 END) FROM serving.work_orders") == [(7, 7)]

    with TicketingStandIn(token="tok") as server:
        ticketing = TicketingResource(url=server.url, token="tok", backoff_s=0.01)
        second = _run(url, ticketing)
        assert second["work_orders"]["new_in_outbox"] == 0
        delivery = second["work_order_delivery"]
        assert (delivery["sent"], delivery["delivered"], delivery["outbox_pending"], delivery["dead_lettered"]) == (
            7,
            7,
            0,
            0,
        )
        assert delivery["orders_per_s"] > 0
        assert {o["transformer_id"] or o["interaction_id"] for o in server.orders.values()} == set(
            crafted.EXPECTED_ORDERS
        )
        assert (
            server.orders[next(k for k, o in server.orders.items() if o["interaction_id"] == "I1")][
                "assigned_worker_id"
            ]
            == "W2"
        )

        third = _run(url, ticketing)
        assert (third["work_order_delivery"]["sent"], server.requests) == (0, 7)
    assert wh.query("SELECT count(*), sum(CASE WHEN is_new THEN 1 ELSE 0 END) FROM serving.work_orders") == [(7, 0)]
