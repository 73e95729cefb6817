"""Partitions of the platform's assets: built from a start day, not from the environment at import."""

import functools

import dagster as dg


@functools.cache
def daily_partitions(start_date: str) -> dg.DailyPartitionsDefinition:
    """Daily partitions from `start_date` (PARTITIONS_START, orchestration/resources.py) to today.

    Daily data is partitioned by the day a file covers; `end_offset=1` admits today's file, which source
    systems deliver during the day it covers. Cached: the ingestion assets and the jobs share one object.
    """
    return dg.DailyPartitionsDefinition(start_date=start_date, end_offset=1)
