"""The nightly refresh: a schedule over the refresh job, in Copenhagen time unless configured otherwise."""

import os

import dagster as dg

from pipelines.jobs import refresh_job

DEFAULT_CRON = "0 2 * * *"  # 02:00 every night
DEFAULT_TIMEZONE = "Europe/Copenhagen"


def build_nightly_schedule() -> dg.ScheduleDefinition:
    """CLUSTERSCORE_SCHEDULE_CRON and CLUSTERSCORE_SCHEDULE_TIMEZONE override the defaults."""
    return dg.ScheduleDefinition(
        name="nightly_refresh",
        job=refresh_job,
        cron_schedule=os.environ.get("CLUSTERSCORE_SCHEDULE_CRON", DEFAULT_CRON),
        execution_timezone=os.environ.get("CLUSTERSCORE_SCHEDULE_TIMEZONE", DEFAULT_TIMEZONE),
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="The full refresh every night; runs only when a Dagster daemon is running (`make ui`).",
    )
