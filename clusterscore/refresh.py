"""Run the refresh job without the UI, recorded in the Dagster instance under CLUSTERSCORE_HOME, and summarise it."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from clusterscore.landing import LATEST_BATCHES
from clusterscore.operations import notify_failure, refresh_lock, write_run_log, write_status
from clusterscore.settings import REPO_ROOT, Paths


@dataclass
class CheckLine:
    asset: str
    name: str
    passed: bool
    description: str


@dataclass
class RefreshOutcome:
    run_id: str
    success: bool
    seconds: float
    paths: Paths
    batches: list[tuple] = field(default_factory=list)
    checks: list[CheckLine] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    quarantined_by_reason: list[tuple] = field(default_factory=list)
    levels: list[tuple] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    site_index: Path | None = None
    export_folder: Path | None = None

    def render(self) -> str:
        lines = [
            f"clusterscore refresh: run {self.run_id} {'SUCCEEDED' if self.success else 'FAILED'} "
            f"in {self.seconds:.0f} s",
            "",
            "Loaded (source: batch, received = landed + quarantined):",
        ]
        for source, batch_id, status, received, landed, quarantined in self.batches:
            lines.append(f"  {source:22} {batch_id:55} {status:9} {received:>7} = {landed:>7} + {quarantined:>4}")
        if self.quarantined_by_reason:
            lines += ["", "Quarantined (kept with the reason; `clusterscore quarantine` lists them):"]
            lines += [
                f"  {source:22} {field}: {reason} ({n})" for source, field, reason, n in self.quarantined_by_reason
            ]
        passed = sum(c.passed for c in self.checks)
        kinds = {
            "Great Expectations": sum(c.name.startswith("gx_") for c in self.checks),
            "reconciliation": sum(c.name == "records_reconcile" for c in self.checks),
        }
        kinds["dbt tests"] = len(self.checks) - sum(kinds.values())
        lines += [
            "",
            f"Checked: {passed} of {len(self.checks)} checks passed ("
            + ", ".join(f"{kind} {n}" for kind, n in kinds.items())
            + ")",
        ]
        lines += [f"  FAILED {c.asset} {c.name}: {c.description}" for c in self.checks if not c.passed]
        lines += [f"  FAILED step {step}" for step in self.failed_steps]
        if self.levels:
            lines += ["", f"Scorecards of this run (marts.scorecard, rulebook {self.levels[0][2]}):"]
            lines += [f"  {level:18} {n}" for level, n, _ in self.levels]
        docs = self.paths.gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
        lines += [
            "",
            "Results:",
            f"  DuckDB file        {_shown(self.paths.duckdb)}  (schemas raw, meta, staging, marts, ...)",
            f"  Data Docs          {_shown(docs)}",
            f"  Dagster run record {_shown(self.paths.dagster_home)}  (`make ui` to browse)",
        ]
        if self.site_index:
            lines.append(f"  Scorecard site     {_shown(self.site_index)}  (`clusterscore serve` to serve it)")
        if self.export_folder:
            lines.append(f"  Exports            {_shown(self.export_folder)}  (CSV, Parquet, XLSX)")
        if not self.success:
            lines.append("  Nothing was published from this run: the site and exports are those of the last good run.")
        return "\n".join(lines)


def source_freshness(con) -> list[dict]:
    """Latest landed batch per source and its age, with the source's staleness threshold."""
    from clusterscore.sources import SOURCES

    rows = con.execute(
        f"""
        select source_name, batch_id, fetched_at,
               date_diff('minute', fetched_at, current_timestamp) / 60.0 as age_hours
        from ({LATEST_BATCHES}) order by source_name
        """
    ).fetchall()
    return [
        {
            "source": name,
            "batch_id": batch_id,
            "fetched_at": fetched_at.isoformat(timespec="seconds"),
            "age_hours": round(age, 1),
            "stale_after_hours": SOURCES[name].stale_after_hours,
            "stale": age > SOURCES[name].stale_after_hours,
        }
        for name, batch_id, fetched_at, age in rows
        if name in SOURCES
    ]


def _shown(path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def run_refresh(paths: Paths) -> RefreshOutcome:
    """One refresh at a time; afterwards the status file, the run log and, on failure, the webhook notice."""
    started_at = dt.datetime.now(dt.UTC)
    with refresh_lock(paths):
        outcome = _run_job(paths)
    finished_at = dt.datetime.now(dt.UTC)
    failed_checks = [f"{c.asset} {c.name}: {c.description}" for c in outcome.checks if not c.passed]
    run = {
        "run_id": outcome.run_id,
        "result": "success" if outcome.success else "failure",
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": finished_at.isoformat(timespec="seconds"),
        "seconds": round(outcome.seconds, 1),
        "failed_checks": failed_checks,
        "failed_steps": outcome.failed_steps,
        "site": str(outcome.site_index) if outcome.site_index else None,
        "exports": str(outcome.export_folder) if outcome.export_folder else None,
    }
    write_status(paths, run, outcome.sources)
    run["log"] = str(write_run_log(paths, outcome.run_id, outcome.render()))
    if not outcome.success:
        notify_failure({"event": "clusterscore_refresh_failed", **run})
    return outcome


def _run_job(paths: Paths) -> RefreshOutcome:
    from pipelines.project import ensure_manifest

    ensure_manifest()
    import dagster as dg

    from clusterscore.warehouse import connect
    from pipelines.definitions import build_definitions

    started = time.monotonic()
    instance = dg.DagsterInstance.from_config(str(paths.dagster_home))
    result = (
        build_definitions(paths)
        .resolve_job_def("refresh")
        .execute_in_process(
            instance=instance,
            raise_on_error=False,
            # The console shows warnings only; the full event log stays in the Dagster instance (`make ui`).
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    )
    outcome = RefreshOutcome(result.run_id, result.success, time.monotonic() - started, paths)
    for evaluation in result.get_asset_check_evaluations():
        outcome.checks.append(
            CheckLine(
                evaluation.asset_key.to_user_string(),
                evaluation.check_name,
                evaluation.passed,
                evaluation.description or "",
            )
        )
    outcome.failed_steps = [event.step_key for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
    with connect(paths.duckdb, read_only=True) as con:
        outcome.batches = con.execute(
            f"""
            select source_name, batch_id, case when run_id = ? then 'landed' else 'unchanged' end,
                   received, landed, quarantined
            from ({LATEST_BATCHES}) order by source_name
            """,
            [result.run_id],
        ).fetchall()
        outcome.quarantined_by_reason = con.execute(
            """
            select q.source_name, q.field, q.reason, count(*)
            from meta.quarantine as q
            inner join meta.batches as b on q.batch_id = b.batch_id and b.run_id = ?
            group by all order by 1, 2
            """,
            [result.run_id],
        ).fetchall()
        outcome.sources = source_freshness(con)
        if con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'scorecard'"
        ).fetchone()[0]:
            outcome.levels = con.execute(
                """
                select readiness_level, count(*), any_value(rulebook_version) from marts.scorecard
                where run_id = ? group by readiness_level
                order by list_position(['Gold', 'Silver', 'Bronze', 'None', 'Not eligible', 'Insufficient data'],
                                       readiness_level)
                """,
                [result.run_id],
            ).fetchall()
    if outcome.success and outcome.levels:
        # A published scorecard never reflects a failed check: site and exports only after a fully green run.
        from clusterscore.exports import export_run
        from clusterscore.site import build_site

        try:
            outcome.export_folder = export_run(paths.duckdb, paths.exports, result.run_id).folder
            outcome.site_index = build_site(paths.duckdb, paths.site)
        except OSError as exc:  # e.g. no permission to write: the run did not publish
            outcome.success = False
            outcome.failed_steps.append(f"publish: {type(exc).__name__}: {exc}")
    return outcome
