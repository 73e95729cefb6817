"""The nightly schedule, the weekly retraining and the new-files sensor, evaluated with Dagster's test utilities."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.resources import LandingResource
from orchestration.schedules import days_to_run, new_day_sensor, nightly_schedule, weekly_retrain_schedule


def test_nightly_schedule_runs_yesterday_at_two():
    assert nightly_schedule.cron_schedule == "0 2 * * *"
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 11, 25, 2, 0))
    request = nightly_schedule(context)
    assert (request.partition_key, request.run_key) == ("2026-11-24", "nightly-2026-11-24")


def test_nightly_schedule_names_the_local_day_not_the_utc_one():
    # 02:00 in Shanghai is 18:00 UTC of the day before: the partition is still the local yesterday.
    assert nightly_schedule.execution_timezone == "Asia/Shanghai"
    tick = dt.datetime(2026, 11, 25, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    request = nightly_schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert (request.partition_key, request.run_key) == ("2026-11-24", "nightly-2026-11-24")
    # The job takes its partitions from the ingestion assets it selects.
    from orchestration.definitions import defs

    assert defs.resolve_job_def("nightly").partitions_def.has_partition_key("2026-11-24")


def test_weekly_retrain_runs_sunday_at_four_with_retraining_on():
    assert (weekly_retrain_schedule.cron_schedule, weekly_retrain_schedule.execution_timezone) == (
        "0 4 * * 0",
        "Asia/Shanghai",
    )
    assert weekly_retrain_schedule.job_name == "retrain_models"
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 11, 29, 4, 0))
    [request] = weekly_retrain_schedule.evaluate_tick(context).run_requests
    assert request.partition_key is None


def _land(landing, dataset: str, *days: str) -> None:
    folder = landing / dataset
    folder.mkdir(exist_ok=True)
    for day in days:
        (folder / f"{day}.csv").write_text("customer_id\n")


def test_new_day_sensor_requests_each_new_day_once(tmp_path):
    _land(tmp_path, "meter_readings", "2026-05-01", "2026-05-02")
    landing = LandingResource(landing_dir=str(tmp_path))
    context = dg.build_sensor_context(resources={"landing": landing})
    first = list(new_day_sensor(context))
    assert [(r.run_key, r.partition_key) for r in first] == [
        ("nightly-2026-05-01", "2026-05-01"),
        ("nightly-2026-05-02", "2026-05-02"),
    ]
    assert json.loads(context.cursor) == ["2026-05-01", "2026-05-02"]
    assert list(new_day_sensor(context)) == []
    _land(tmp_path, "meter_readings", "2026-05-03")
    assert [r.partition_key for r in new_day_sensor(context)] == ["2026-05-03"]


def test_new_day_sensor_runs_a_day_that_lands_late_and_ignores_incomplete_days(tmp_path):
    _land(tmp_path, "meter_readings", "2026-05-02", "2026-05-03")
    context = dg.build_sensor_context(resources={"landing": LandingResource(landing_dir=str(tmp_path))})
    assert [r.partition_key for r in new_day_sensor(context)] == ["2026-05-02", "2026-05-03"]
    # Tickets of 05-04 without its meter readings: the day is not complete yet.
    _land(tmp_path, "service_tickets", "2026-05-04")
    # 05-01's readings arrive after 05-03's: a last-day cursor would skip it forever.
    _land(tmp_path, "meter_readings", "2026-05-01")
    assert [(r.run_key, r.partition_key) for r in new_day_sensor(context)] == [("nightly-2026-05-01", "2026-05-01")]
    assert list(new_day_sensor(context)) == []


def test_days_to_run_forgets_days_past_the_late_window():
    new, cursor = days_to_run(["2026-04-01", "2026-05-01", "2026-05-08", "2026-05-09"], None)
    # Turning the sensor on replays the last week only: 04-01 and 05-01 are older than 05-09 minus 7 days.
    assert new == ["2026-05-08", "2026-05-09"]
    assert json.loads(cursor) == ["2026-05-08", "2026-05-09"]
    new, cursor = days_to_run(["2026-05-08", "2026-05-09", "2026-05-20"], cursor)
    assert new == ["2026-05-20"] and json.loads(cursor) == ["2026-05-20"]
    assert days_to_run([], None) == ([], "[]")
