"""Blocking data-quality checks as Dagster asset checks: every Great Expectations suite under `expectations/`
on the asset its meta names (a step per raw source's suite; one step for the suites on dbt's models), and per raw
source the reconciliation received = landed + quarantined."""

import json
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import dagster as dg
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets

from clusterscore.audit_store import RunRecord
from clusterscore.dbt_reuse import batches_tested_through, last_built_by
from clusterscore.publish import current_release
from clusterscore.quality.gx_runner import NEW_ROWS, is_profile_suite, is_scoped_profile, suite_frame, validate
from clusterscore.quality.reconcile import reconcile_latest_batch
from clusterscore.quality.reuse import fingerprint, keep_pass, kept_pass, same_rows_by_inputs
from clusterscore.run_inputs import always_rescore, run_inputs
from clusterscore.settings import expectations_dir
from clusterscore.sources import SOURCES
from pipelines.resources import Warehouse
from pipelines.transform import dbt_build


def manifest() -> dict:
    """The dbt manifest the dbt step builds from (loaded once, by dagster-dbt)."""
    return get_manifest_and_translator_from_dbt_assets([dbt_build])[0]


def dbt_built_by(con) -> str | None:
    """The code of the last dbt build in the warehouse (clusterscore/dbt_reuse.py)."""
    return last_built_by(con, dbt_build.op.name)


def evaluate_suite(run_id: str, warehouse: Warehouse, suite: str, asset_key: list[str]) -> dg.AssetCheckResult:
    """Validate `suite` on its asset's rows, or report the pass of an earlier run that validated the same rows
    (clusterscore/quality/reuse.py); the result also goes to the run's audit-store record."""
    kept = kept_pass(warehouse.paths, suite)
    with warehouse.connect(read_only=True) as con:
        # A suite's pass is reused by the run's inputs when they leave its rows as they were: its fingerprint
        # would cost a profile suite the profile's query, another a pass over its rows (clusterscore/quality/
        # reuse.py; national submission lines: ~0.15 s a suite).
        inputs = run_inputs(con)
        built_by = dbt_built_by(con)
        if kept and same_rows_by_inputs(manifest(), asset_key, inputs, kept.inputs, built_by):
            rows, reused, reused_by = kept.rows, (kept.outcome, kept.run_id), "inputs"
            through = None
        else:
            through = validated_through(warehouse, suite, inputs, built_by)
            rows = fingerprint(con, suite, through.batches if through else ())
            reused = kept.for_rows(rows.fingerprint) if kept else None  # the pass read above, not read again
            reused_by = "rows" if reused else ""
        # A profile suite validates the profile it was fingerprinted by; another suite reads its rows only to
        # validate them.
        frame = rows.profile
        if frame is None and reused is None:
            frame = suite_frame(con, suite)
    if reused is None:
        outcome, validated_in = validate(suite, frame), run_id
        keep_pass(warehouse.paths, suite, rows, validated_in, outcome, inputs)
    else:
        outcome, validated_in = reused
    result = (
        outcome.result
        if reused is None
        else {**outcome.result, "clusterscore_reused_from_run": validated_in, "clusterscore_reused_by": reused_by}
    )
    same_rows = {
        "rows": f" (rows and code as validated in run {validated_in}: that result reused)",
        "inputs": f" (inputs that leave the rows as validated in run {validated_in}: that result reused)",
        "": "",
    }[reused_by]
    if through:  # a scoped profile suite, so `frame` is its profile
        scope = {"release": through.release, "batches": through.batches, "rows": int(frame[NEW_ROWS].iloc[0])}
        result = {**result, "clusterscore_validated_through": scope}
        same_rows += (
            f" (the rules no row may break on the {scope['rows']:,} rows of batches landed after release "
            f"{through.release}'s; the other rows passed them then and are unchanged since)"
        )
    RunRecord(warehouse.paths, run_id).write_json(f"quality/{suite}.json", result)
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(asset_key),
        check_name=check_name(suite),
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=outcome.summary() + same_rows,
        metadata={
            "validated_in_run": validated_in,
            "rows_fingerprint": rows.fingerprint,
            # A profile suite validates one row that describes the whole table: the table's rows are reported.
            "rows_validated": rows.count,
            # A scoped profile's rules no row may break were counted on the rows of later batches than these.
            "validated_through_batches": dg.MetadataValue.json(through.batches if through else []),
            "expectations": outcome.evaluated,
            "failed": outcome.failed,
            "failures": dg.MetadataValue.json(outcome.failures),
            "data_docs": outcome.docs_index or "",
        },
    )


@dataclass(frozen=True)
class ValidatedThrough:
    """The batches (one per source) through which every row of a scoped profile suite's table has passed the
    suite, unchanged since: those of the current release (`validated_through`)."""

    release: str
    batches: list[str]


def validated_through(warehouse: Warehouse, suite: str, inputs: dict, built_by: str | None) -> ValidatedThrough | None:
    """For a scoped profile suite (clusterscore/quality/gx_runner.py: `is_scoped_profile`), the current release's
    batches, when its rows through them passed the suite: the release passed every check, and a row of a batch
    landed then or before is in the table as it was then, when the release's code (the suites included) is this
    run's and built the table (clusterscore/dbt_reuse.py: `batches_tested_through`, by which dbt's tests of the
    same tables are scoped). None (every row validated) otherwise, and under CLUSTERSCORE_ALWAYS_RESCORE."""
    if not is_scoped_profile(suite) or always_rescore():
        return None
    release = current_release(warehouse.paths)
    batches = batches_tested_through(inputs, release.inputs, built_by) if release else []
    return ValidatedThrough(release.run_id, batches) if batches else None


SUITES_AFTER_DBT = "gx_suites_after_dbt"  # the step of the suites on dbt's models


def check_name(suite: str) -> str:
    return f"gx_{suite}"


def describe_suite(suite: str, notes: str) -> str:
    return f"Great Expectations suite expectations/{suite}.json. {notes}"


def build_gx_check(suite: str, asset_key: list[str], notes: str) -> dg.AssetChecksDefinition:
    """The suite on a raw source: its own step, right after the source lands."""

    @dg.asset_check(
        asset=dg.AssetKey(asset_key),
        name=check_name(suite),
        description=describe_suite(suite, notes),
        blocking=True,
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        return evaluate_suite(context.run.run_id, warehouse, suite, asset_key)

    return _check


def build_gx_checks_after_dbt(suites: list[tuple[str, list[str], str]]) -> dg.AssetChecksDefinition:
    """The suites on the models dbt builds, in one step after it, two at a time: one suite's DuckDB query (a
    national staging table's profile: ~0.6 s) runs beside another's validation in Great Expectations (Python,
    one at a time: its file-backed context is not made for threads, gx_runner.validate). One after the other, in
    a step each, they took 1.6-2.0 s of the national night (bench/README.md)."""

    specs = {
        suite: dg.AssetCheckSpec(
            name=check_name(suite),
            asset=dg.AssetKey(asset_key),
            description=describe_suite(suite, notes),
            blocking=True,
        )
        for suite, asset_key, notes in suites
    }

    @dg.multi_asset_check(
        specs=list(specs.values()),
        name=SUITES_AFTER_DBT,
        description="The Great Expectations suites on the models dbt builds (expectations/), two at a time.",
        can_subset=True,  # a selection of some of the models (the UI, tests) runs their suites only
    )
    def _checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
        chosen = [suite for suite in suites if specs[suite[0]].key in context.selected_asset_check_keys]
        evaluated = taken_ahead(context.run.run_id)  # started as dbt ended (`start_after_dbt`), if they were
        evaluated.update(start_suites(context.run.run_id, warehouse, [s for s in chosen if s[0] not in evaluated]))
        for suite, _, _ in chosen:
            yield evaluated[suite].result()  # in the suites' order; an error ends the step at its suite

    return _checks


def start_suites(run_id: str, warehouse: Warehouse, suites: list[tuple[str, list[str], str]]) -> dict[str, Future]:
    """`evaluate_suite` of each of `suites`, two at a time on threads of their own; by suite name. The profile
    suites first: they read whole tables (national: millions of rows), the others small marts or the rows of one
    submission year, which go by on the other thread meanwhile."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gx-suite")
    first = sorted(suites, key=lambda suite: not is_profile_suite(suite[0]))
    started = {suite: pool.submit(evaluate_suite, run_id, warehouse, suite, asset_key) for suite, asset_key, _ in first}
    pool.shutdown(wait=False)  # its threads end with the last suite
    return started


# The suites on dbt's models started by the dbt step as soon as dbt has finished, by run id: they read only the
# tables dbt wrote, which nothing changes before publication, and run (DuckDB; Great Expectations' own process)
# while the refresh's process stores dbt's events and adds the tables' metadata on its one core. Their step
# takes the results; they are not reported, or trusted, anywhere else.
_ahead: dict[str, dict[str, Future]] = {}
_ahead_lock = threading.Lock()


def start_after_dbt(context: dg.AssetExecutionContext, warehouse: Warehouse) -> None:
    """Called by the dbt step once dbt has ended well: when the run has the step `SUITES_AFTER_DBT`, start every
    suite on dbt's models for it to take (`taken_ahead`)."""
    steps = context.run.step_keys_to_execute
    if steps is None or SUITES_AFTER_DBT in steps:
        with _ahead_lock:
            _ahead[context.run.run_id] = start_suites(context.run.run_id, warehouse, _on_models)


def taken_ahead(run_id: str) -> dict[str, Future]:
    """The suites `start_after_dbt` started for the run (none if it did not), no longer held for it."""
    with _ahead_lock:
        return _ahead.pop(run_id, {})


def drop_ahead(run_id: str) -> None:
    """Wait for and forget the suites started for a run whose suites' step will not run (the dbt step failed after
    dbt ended): their connections to the warehouse are closed before the run goes on."""
    for started in taken_ahead(run_id).values():
        started.exception()


def build_reconcile_check(source_name: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", source_name]),
        name="records_reconcile",
        description="Every record of the latest batch is accounted for: received = landed + quarantined, "
        "counted in the raw and quarantine tables.",
        blocking=True,
    )
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            outcome = reconcile_latest_batch(con, source_name)
        return dg.AssetCheckResult(
            passed=outcome.balanced,
            severity=dg.AssetCheckSeverity.ERROR,
            description=outcome.describe(),
            metadata=outcome.as_metadata(),
        )

    return _check


def _suites() -> list[tuple[str, list[str], str]]:
    found = []
    for path in sorted(expectations_dir().glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        found.append(
            (
                spec["name"],
                spec["meta"]["clusterscore"]["asset_key"],
                " ".join(spec["meta"]["notes"]["content"]),
            )
        )
    return found


_all_suites = _suites()
_on_raw = [suite for suite in _all_suites if dg.AssetKey(suite[1]) not in dbt_build.keys]
_on_models = [suite for suite in _all_suites if dg.AssetKey(suite[1]) in dbt_build.keys]
gx_checks = [*(build_gx_check(*suite) for suite in _on_raw), build_gx_checks_after_dbt(_on_models)]
reconcile_checks = [build_reconcile_check(name) for name in SOURCES]
