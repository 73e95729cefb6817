"""Partitions of the platform's assets."""

import dagster as dg

from orchestration.resources import SETTINGS

# Daily data is partitioned by the day a file covers; `end_offset=1` admits today's file, which source
# systems deliver during the day it covers.
daily_partitions = dg.DailyPartitionsDefinition(start_date=SETTINGS.partitions_start, end_offset=1)
