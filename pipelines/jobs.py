"""The refresh job: every asset and check, in one process (DuckDB has one writer)."""

import dagster as dg

refresh_job = dg.define_asset_job(
    name="refresh",
    selection=dg.AssetSelection.all(),
    description="The nightly refresh: land every source, check it, build and test the dbt models, and publish "
    "the result only when every check passed (write-audit-publish).",
    executor_def=dg.in_process_executor,
)
