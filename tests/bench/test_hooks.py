"""The two hooks of the benchmark's ML case (`bench.cases.hook`) run and report real outcomes at small sizes."""

from __future__ import annotations

from bench.cases import hook


def test_delivery_hook_delivers_every_order_exactly_once():
    result = hook("bench.serving", orders=50)

    assert "skipped" not in result
    assert result["delivered_once"] is True
    assert (result["orders"], result["delivered"], result["received"], result["requests"]) == (50, 50, 50, 50)
    assert result["repeated_keys"] == 0
    assert result["orders_per_second"] > 0 and result["wall_seconds"] >= result["delivery_seconds"]


def test_consumption_hook_scores_every_customer_for_the_whole_horizon():
    result = hook("bench.ml_consumption", customers=200)

    assert "skipped" not in result
    assert (result["customers"], result["customers_scored"], result["pages"]) == (200, 200, 1)
    assert result["forecast_rows"] == 200 * 30
    assert result["train_customers"] == 200 and result["train_seconds"] > 0
    assert result["customers_per_second"] > 0
    # Trained on this history, the network must beat repeating last week on its held-out days.
    assert result["eval_mae"] < result["seasonal_naive_mae"]


def test_lake_files_hook_maintenance_lowers_the_files_and_keeps_the_rows():
    result = hook("bench.lake_files", nights=15, customers=100, retention_nights=3)

    without, weekly = result["without_maintenance"], result["weekly_maintenance"]
    assert result["same_rows"] is True
    # Each night adds a readings file and a scores file (a re-delivery and an update are deletes too).
    assert without["files_per_table"]["raw.readings"] >= 15 and without["maintenance_seconds"] == 0
    assert weekly["files_per_table"]["raw.readings"] < without["files_per_table"]["raw.readings"] / 2
    assert weekly["files_on_disk"] < without["files_on_disk"] / 2
    # Three nights' snapshots (five commits each, a few more from the last maintenance) outlive it, not all 15.
    assert 15 <= weekly["snapshots"] < without["snapshots"] / 2
