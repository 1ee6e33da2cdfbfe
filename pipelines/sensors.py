"""Run-status sensors: a refresh started by the schedule or the UI is recorded like one started from the CLI
(status file, run log, audit-store record, OpenLineage events, and the webhook notice when it failed)."""

import dagster as dg

from clusterscore.refresh import RECORDED_BY_TAG, record_run
from clusterscore.settings import get_paths
from pipelines.jobs import refresh_job


def _record(context: dg.RunStatusSensorContext) -> dg.SkipReason | None:
    if context.dagster_run.tags.get(RECORDED_BY_TAG) == "cli":
        return dg.SkipReason("recorded by `clusterscore refresh` itself")
    record_run(get_paths(), context.instance, context.dagster_run.run_id)
    return None


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[refresh_job], name="record_successful_refresh"
)
def record_successful_refresh(context: dg.RunStatusSensorContext):
    return _record(context)


@dg.run_failure_sensor(monitored_jobs=[refresh_job], name="record_failed_refresh")
def record_failed_refresh(context: dg.RunFailureSensorContext):
    return _record(context)


refresh_sensors = [record_successful_refresh, record_failed_refresh]
