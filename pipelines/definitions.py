"""The code location: merges the per-layer modules; holds nothing of its own."""

import dagster as dg

from clusterscore.settings import Paths
from pipelines.ingest import raw_assets
from pipelines.jobs import refresh_job
from pipelines.publish import release
from pipelines.quality import gx_checks, reconcile_checks
from pipelines.resources import build_resources
from pipelines.schedules import build_nightly_schedule
from pipelines.sensors import refresh_sensors
from pipelines.transform import dbt_build


def build_definitions(paths: Paths | None = None) -> dg.Definitions:
    """All assets, checks and jobs, with resources pointed at `paths` (default: CLUSTERSCORE_HOME)."""
    return dg.Definitions(
        assets=[*raw_assets, dbt_build, release],
        asset_checks=[*gx_checks, *reconcile_checks],
        jobs=[refresh_job],
        schedules=[build_nightly_schedule()],
        sensors=refresh_sensors,
        resources=build_resources(paths),
        executor=dg.in_process_executor,
    )


defs = build_definitions()
