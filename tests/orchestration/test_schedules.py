"""The nightly schedule and the new-files sensor, evaluated with Dagster's test utilities."""

import datetime as dt

import dagster as dg

from orchestration.resources import LandingResource
from orchestration.schedules import new_day_sensor, nightly_schedule


def test_nightly_schedule_runs_yesterday_at_two():
    assert nightly_schedule.cron_schedule == "0 2 * * *"
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 11, 25, 2, 0))
    request = nightly_schedule(context)
    assert (request.partition_key, request.run_key) == ("2026-11-24", "nightly-2026-11-24")


def test_new_day_sensor_requests_each_new_day_once(tmp_path):
    readings = tmp_path / "meter_readings"
    readings.mkdir()
    for day in ("2026-05-01", "2026-05-02"):
        (readings / f"{day}.csv").write_text("customer_id\n")
    landing = LandingResource(landing_dir=str(tmp_path))
    context = dg.build_sensor_context(resources={"landing": landing})
    first = list(new_day_sensor(context))
    assert [(r.run_key, r.partition_key) for r in first] == [
        ("nightly-2026-05-01", "2026-05-01"), ("nightly-2026-05-02", "2026-05-02")]
    assert context.cursor == "2026-05-02"
    assert list(new_day_sensor(context)) == []
    (readings / "2026-05-03.csv").write_text("customer_id\n")
    assert [r.partition_key for r in new_day_sensor(context)] == ["2026-05-03"]
