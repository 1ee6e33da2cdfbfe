"""Raw landing assets: one per source, each landing one batch into DuckDB schema `raw`."""

import dagster as dg

from clusterscore.landing import land_file
from clusterscore.settings import REPO_ROOT, sample_dir
from clusterscore.sources import SOURCES, SourceSpec
from pipelines.resources import Warehouse

# Public sources fail now and then: retry with exponential backoff and jitter before giving up.
SOURCE_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def sample_uri(spec: SourceSpec) -> tuple[str, object]:
    """The sample file of a source and the URI recorded for it (repo-relative when it is the bundled sample)."""
    path = sample_dir() / spec.sample_file
    try:
        return f"file:{path.relative_to(REPO_ROOT)}", path
    except ValueError:
        return path.as_uri(), path


def build_raw_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", spec.name]),
        group_name="raw",
        description=f"{spec.description} Landed from {spec.live_uri} (sample mode: the bundled sample).",
        kinds={"python", "duckdb"},
        retry_policy=SOURCE_RETRY,
        metadata={"source_uri": spec.live_uri, "raw_table": spec.raw_table},
    )
    def _raw_asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        uri, path = sample_uri(spec)
        with warehouse.connect() as con:
            result = land_file(con, spec, path, uri, run_id=context.run.run_id)
        context.log.info(
            f"{spec.name}: batch {result.batch_id} {result.status}: received {result.received}, "
            f"landed {result.landed}, quarantined {result.quarantined}"
        )
        counts = {"dagster/row_count": result.landed} if result.status == "landed" else {}
        return dg.MaterializeResult(metadata={**result.as_metadata(), **counts})

    return _raw_asset


raw_assets = [build_raw_asset(spec) for spec in SOURCES.values()]
