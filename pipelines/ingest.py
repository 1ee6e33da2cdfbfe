"""Raw landing assets: one per source, each reading its source (the sample, or the live service that
config/sources.yaml names) and landing one batch into DuckDB schema `raw`.

A source that cannot be read for a passing reason (a 5xx, a timeout, an unreadable download) is retried with
backoff and jitter; if it is still down on the last attempt the asset falls back to the source's last good batch
(still current in `raw`) and says so, so the refresh goes on with that source marked stale. With no earlier good
batch there is nothing to fall back to and the asset fails. Errors no retry can mend (credentials refused, a
query the service rejects, a page whose layout changed) fail the asset at once: nothing is published.
"""

import datetime as dt

import dagster as dg

from clusterscore.config import source_settings
from clusterscore.connectors import ConnectorError, TransientSourceError, fetch
from clusterscore.connectors.scope import cvr_numbers_in_scope
from clusterscore.landing import SourceReadError, ensure_schema, land_file, latest_batch, record_failed_fetch
from clusterscore.quality.gx_runner import import_in_background
from clusterscore.sources import SOURCES, SourceSpec
from pipelines.resources import Warehouse

# Public sources fail now and then: retry with exponential backoff and jitter before giving up.
SOURCE_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
# The CVR numbers to read come from the landed designations and submissions (and the confirmed mapping).
SCOPE_SOURCES = [dg.AssetKey(["raw", "cluster_designations"]), dg.AssetKey(["raw", "cluster_submissions"])]


def fall_back(context: dg.AssetExecutionContext, con, spec: SourceSpec, error: Exception) -> dg.MaterializeResult:
    """The source stayed down: keep its last good batch current, or fail when it never had one."""
    last_good = latest_batch(con, spec.name)
    if last_good is None:
        raise dg.Failure(
            description=f"{spec.name}: the source could not be read and there is no earlier good batch: {error}",
        ) from error
    context.log.warning(
        f"{spec.name}: still failing after {context.retry_number} retries ({error}); using the last good batch "
        f"{last_good.batch_id} fetched {last_good.fetched_at:%Y-%m-%d %H:%M} UTC, which the scorecards will show "
        "as stale"
    )
    return dg.MaterializeResult(
        metadata={
            "status": "fallback",
            "batch_id": last_good.batch_id,
            "stale_since": last_good.fetched_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "error": str(error),
        }
    )


def read_source(context: dg.AssetExecutionContext, warehouse: Warehouse, con, spec: SourceSpec):
    """The file to land: the sample file, or what the live connector wrote for this run."""
    settings = source_settings(spec.name)
    options = {}
    if settings.is_live and spec.name == "cvr_companies":
        options["cvr_numbers"] = cvr_numbers_in_scope(con)
        last_good = latest_batch(con, spec.name)
        if settings.read == "incremental" and last_good:
            options["since"] = last_good.fetched_at
    downloads = warehouse.paths.home / "downloads" / context.run.run_id
    return fetch(spec.name, settings, downloads / f"{spec.name}.jsonl.gz", **options)


def build_raw_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", spec.name]),
        group_name="raw",
        description=f"{spec.description} Landed from {spec.live_uri} (or the bundled sample: config/sources.yaml).",
        kinds={"python", "duckdb"},
        retry_policy=SOURCE_RETRY,
        deps=SCOPE_SOURCES if spec.name == "cvr_companies" else None,
        metadata={"source_uri": spec.live_uri, "raw_table": spec.raw_table},
    )
    def _raw_asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            ensure_schema(con, spec)
            try:
                fetched = read_source(context, warehouse, con, spec)
                result = land_file(
                    con,
                    spec,
                    fetched.path,
                    fetched.source_uri,
                    context.run.run_id,
                    load_kind=fetched.load_kind,
                    on_new_batch=import_in_background,  # the batch's checks will need Great Expectations
                )
            except TransientSourceError as exc:
                record_failed_fetch(con, spec, exc.uri, context.run.run_id, dt.datetime.now(dt.UTC), str(exc))
                if context.retry_number < SOURCE_RETRY.max_retries:
                    raise  # Dagster retries the step after the policy's delay
                return fall_back(context, con, spec, exc)
            except SourceReadError as exc:
                if context.retry_number < SOURCE_RETRY.max_retries:
                    raise
                return fall_back(context, con, spec, exc)
            except ConnectorError as exc:  # refused credentials, a rejected query, a changed layout: fail clearly
                record_failed_fetch(con, spec, exc.uri, context.run.run_id, dt.datetime.now(dt.UTC), str(exc))
                raise dg.Failure(description=f"{spec.name}: {exc}", allow_retries=False) from exc
        context.log.info(
            f"{spec.name}: batch {result.batch_id} {result.status}: received {result.received}, "
            f"landed {result.landed}, quarantined {result.quarantined}"
        )
        counts = {"dagster/row_count": result.landed} if result.status == "landed" else {}
        return dg.MaterializeResult(metadata={**result.as_metadata(), **counts})

    return _raw_asset


raw_assets = [build_raw_asset(spec) for spec in SOURCES.values()]
