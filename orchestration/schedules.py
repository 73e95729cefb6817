"""When the platform runs unattended: the nightly schedule and the new-files sensor."""

import datetime as dt
import json

import dagster as dg

from orchestration.ingestion.contract import DATASETS
from orchestration.ingestion.files import discover
from orchestration.jobs import lake_maintenance_job, nightly_job, notification_delivery_job, retrain_job
from orchestration.resources import LandingResource


# Source systems deliver yesterday's files overnight; 02:00 local time leaves them an hour's margin after
# the usual 01:00 export. (The partitions admit today as well, for the sensor, so the schedule names the
# day itself rather than taking the last partition.)
@dg.schedule(
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_schedule(context: dg.ScheduleEvaluationContext):
    """Every night: ingestion → dbt → scoring → serving for yesterday's files."""
    day = (context.scheduled_execution_time.date() - dt.timedelta(days=1)).isoformat()
    return dg.RunRequest(run_key=f"nightly-{day}", partition_key=day)


def complete_days(landing: LandingResource) -> list[str]:
    """Days for which meter readings have landed: the delivery that completes a day's data."""
    files, _ = discover(landing.path, DATASETS["meter_readings"])
    return sorted({f.day.isoformat() for f in files})


# A day whose meter readings land up to a week late still starts its own run; older deliveries are a backfill
# someone starts on purpose, and turning the sensor on replays at most the last week, not the whole history.
LATE_DAYS = 7


def days_to_run(landed: list[str], cursor: str | None) -> tuple[list[str], str]:
    """The landed days not yet started and the sensor's next cursor (the days started within the window).

    The cursor is a set of days rather than the last one, so a day that lands after a later day still runs.
    """
    if not landed:
        return [], cursor or "[]"
    horizon = (dt.date.fromisoformat(max(landed)) - dt.timedelta(days=LATE_DAYS)).isoformat()
    seen = set(json.loads(cursor)) if cursor else set()
    new = sorted(d for d in set(landed) - seen if d >= horizon)
    return new, json.dumps(sorted(d for d in seen | set(new) if d >= horizon))


@dg.sensor(job=nightly_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED)
def new_day_sensor(context: dg.SensorEvaluationContext, landing: LandingResource):
    """Start the nightly job for each day whose meter readings land, once per day, late days included.

    Stopped by default: the schedule covers the usual night; turn the sensor on where files arrive late or
    irregularly, and runs start as soon as a day is there (run keys keep each day to one run of the sensor's).
    """
    new, cursor = days_to_run(complete_days(landing), context.cursor)
    for day in new:
        yield dg.RunRequest(run_key=f"nightly-{day}", partition_key=day)
    context.update_cursor(cursor)


# Agents label new interactions every day; a week of labels is enough to be worth a retraining run.
weekly_retrain_schedule = dg.ScheduleDefinition(
    job=retrain_job,
    cron_schedule="0 4 * * 0",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

# The nightly run builds the notices at 02:00, when nearly every customer is in their quiet hours: only an
# outage under way goes out then. Every hour the notices of outages the OMS reported since are built (told
# within the hour), then what is due is sent: the rest go as each customer's quiet hours end (a message is
# held to the hour, so on the hour), and a gateway that was down gets them then.
hourly_notification_schedule = dg.ScheduleDefinition(
    job=notification_delivery_job,
    cron_schedule="0 * * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

# After the weekly retraining (04:00) and before the working week: merging rewrites whole tables, which no
# nightly run should wait on.
weekly_lake_maintenance_schedule = dg.ScheduleDefinition(
    job=lake_maintenance_job,
    cron_schedule="0 6 * * 0",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

schedules = [nightly_schedule, weekly_retrain_schedule, hourly_notification_schedule, weekly_lake_maintenance_schedule]
sensors = [new_day_sensor]
