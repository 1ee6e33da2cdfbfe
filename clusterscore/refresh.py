"""Run the refresh job without the UI, recorded in the Dagster instance under CLUSTERSCORE_HOME, and summarise it."""

from __future__ import annotations

import datetime as dt
import gc
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from clusterscore.landing import LATEST_BATCHES
from clusterscore.operations import notify_failure, refresh_lock, write_run_log, write_status
from clusterscore.settings import REPO_ROOT, Paths, shown_path
from clusterscore.warehouse import table_type


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
    release: str | None = None
    started_at: str = ""
    finished_at: str = ""
    batch_list: list[dict] = field(default_factory=list)
    unchanged_since: str | None = None  # the release that stays published when nothing was scored

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
        stale = [s for s in self.sources if s["stale"]]
        if stale:
            lines += ["", "Stale sources (the scores use their last good batch; the site says so):"]
            lines += [f"  {s['source']:22} stale since {s['stale_since']}" for s in stale]
        lines += [
            "",
            "Results:",
            f"  Candidate database {shown_path(self.paths.candidate)}  (written and checked by this run)",
            f"  Data Docs          {shown_path(docs)}",
            f"  Dagster run record {shown_path(self.paths.dagster_home)}  (`make ui` to browse)",
            f"  Audit record       {shown_path(self.paths.audit_store / 'runs' / self.run_id)}",
        ]
        if self.unchanged_since:
            lines += [
                f"  Not scored again   the batches in use, the code and the as-of date are those of release "
                f"{self.unchanged_since}, which stays published (CLUSTERSCORE_ALWAYS_RESCORE=1 scores anyway)"
            ]
        if self.release:
            lines += [
                f"  Published          {shown_path(self.paths.published)} -> release {self.release}",
                f"  Scorecard site     {shown_path(self.site_index)}  (`clusterscore serve` to serve it)",
                f"  Exports            {shown_path(self.export_folder)}  (CSV, Parquet, XLSX)",
            ]
        if not self.success:
            lines.append("  Nothing was published from this run: published/ still holds the last good run, unchanged.")
        return "\n".join(lines)


def source_freshness(con) -> list[dict]:
    """Per source: the batch in use, when it was last read and whether it is stale (meta.source_freshness)."""
    rows = con.execute(
        """
        select source_name, batch_id, last_read_at, last_attempt_outcome, stale_after_hours, is_stale, stale_since,
               round(date_diff('minute', last_read_at, current_timestamp) / 60.0, 1) as age_hours
        from meta.source_freshness order by source_name
        """
    ).fetchall()
    return [
        {
            "source": name,
            "batch_id": batch_id,
            "fetched_at": last_read.isoformat(timespec="seconds"),
            "age_hours": age,
            "last_attempt": last_attempt,
            "stale_after_hours": threshold,
            "stale": stale,
            "stale_since": since.isoformat(timespec="seconds") if since else None,
        }
        for name, batch_id, last_read, last_attempt, threshold, stale, since, age in rows
    ]


RECORDED_BY_TAG = "clusterscore/recorded_by"


def run_refresh(paths: Paths) -> RefreshOutcome:
    """One refresh at a time: run the job in this process, then record it (see `record_run`)."""
    from clusterscore.lasting_objects import kept_to_the_end
    from clusterscore.publish import copying_release_ahead
    from clusterscore.quality import gx_worker
    from clusterscore.run_inputs import code_sha256

    # From the start, beside the imports below (one core): the release before is copied for this run's release,
    # and Great Expectations is imported in the process that will validate the run's suites.
    with refresh_lock(paths), copying_release_ahead(paths, code_sha256()), gx_worker.running(str(paths.gx_root)):
        with kept_to_the_end():  # imports and definitions (clusterscore/lasting_objects.py)
            from pipelines.project import ensure_manifest

            ensure_manifest()
            import dagster as dg

            from pipelines.definitions import build_definitions

            instance = dg.DagsterInstance.from_config(str(paths.dagster_home))
            job = build_definitions(paths).resolve_job_def("refresh")
        # What the imports and definitions made is frozen: the collector's full passes (~0.25 s each over that heap)
        # look only at what the run makes, and fewer young passes run. GC time of a sample run: 4.1 s before, 3.0 s
        # after.
        gc.set_threshold(20_000, 20, 20)
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags={RECORDED_BY_TAG: "cli"},  # the run-status sensors leave this run to us
            # The console shows warnings only; the full event log stays in the Dagster instance (`make ui`).
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
        return record_run(paths, instance, result.run_id)


def record_run(paths: Paths, instance, run_id: str) -> RefreshOutcome:
    """After any refresh run (CLI, UI or schedule): the summary, the audit-store record, OpenLineage events, the
    status file, the run log and, on failure, the webhook notice."""
    from clusterscore.audit_store import RunRecord
    from clusterscore.lineage_events import emit_run_events

    outcome = summarise(paths, instance, run_id)
    failed_checks = [f"{c.asset} {c.name}: {c.description}" for c in outcome.checks if not c.passed]
    run = {
        "run_id": run_id,
        "result": "success" if outcome.success else "failure",
        "started_at": outcome.started_at,
        "finished_at": outcome.finished_at,
        "seconds": round(outcome.seconds, 1),
        "failed_checks": failed_checks,
        "failed_steps": outcome.failed_steps,
        "site": str(outcome.site_index) if outcome.site_index else None,
        "exports": str(outcome.export_folder) if outcome.export_folder else None,
        "release": outcome.release,  # the release published after the run: its own, or the unchanged one
        "unchanged_since": outcome.unchanged_since,
    }
    record = RunRecord(paths, run_id)
    record.write_json(
        "run.json",
        {
            **run,
            "published": outcome.success and not outcome.unchanged_since,
            "levels": outcome.levels,
            # What a later reproduction needs besides the data: the scoring date and the code that scored.
            "as_of_date": os.environ.get("CLUSTERSCORE_AS_OF"),
            "code_version": code_version(),
        },
    )
    record.write_json("batches.json", outcome.batch_list)
    emit_run_events(paths, instance, run_id, outcome)
    write_status(paths, run, outcome.sources)
    run["log"] = str(write_run_log(paths, run_id, outcome.render()))
    if not outcome.success:
        notify_failure({"event": "clusterscore_refresh_failed", **run})
    return outcome


def code_version() -> str | None:
    """The git commit of the checkout (with `+changes` when the tree differs from it), if it is one."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except OSError:
        return None
    if commit.returncode != 0:
        return None
    return commit.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def summarise(paths: Paths, instance, run_id: str) -> RefreshOutcome:
    """What happened in a run, from the Dagster event log and the candidate database."""
    import dagster as dg
    import duckdb

    from clusterscore.audit_store import RunRecord
    from clusterscore.run_inputs import UNCHANGED_RECORD
    from clusterscore.warehouse import connect

    dagster_run = instance.get_run_by_id(run_id)
    stats = instance.get_run_stats(run_id)
    started = dt.datetime.fromtimestamp(stats.start_time or time.time(), dt.UTC)
    finished = dt.datetime.fromtimestamp(stats.end_time or time.time(), dt.UTC)
    outcome = RefreshOutcome(
        run_id,
        dagster_run.status == dg.DagsterRunStatus.SUCCESS,
        (finished - started).total_seconds(),
        paths,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=finished.isoformat(timespec="seconds"),
    )
    # Only the kinds read here: deserialising all of a national night's ~650 events took 0.05-0.08 s more.
    wanted = {
        dg.DagsterEventType.ASSET_CHECK_EVALUATION,
        dg.DagsterEventType.STEP_FAILURE,
        dg.DagsterEventType.ASSET_MATERIALIZATION,
    }
    for record in instance.get_records_for_run(run_id, of_type=wanted, limit=1_000_000).records:
        event = record.event_log_entry.dagster_event
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            outcome.checks.append(
                CheckLine(
                    evaluation.asset_key.to_user_string(),
                    evaluation.check_name,
                    evaluation.passed,
                    evaluation.description or "",
                )
            )
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            outcome.failed_steps.append(f"{event.step_key}: {_root_cause(event.event_specific_data.error)}"[:500])
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            if materialization.asset_key == dg.AssetKey(["published", "release"]):
                outcome.release = Path(materialization.metadata["release"].value).name
    unchanged = RunRecord(paths, run_id).read_json(UNCHANGED_RECORD)
    if outcome.success and outcome.release is None and unchanged:
        # Nothing to score (clusterscore/run_inputs.py): the current release stays published, and is this run's.
        outcome.unchanged_since = outcome.release = unchanged["release"]
    if outcome.release:
        outcome.site_index = paths.published / "site" / "index.html"
        outcome.export_folder = paths.published / "exports" / outcome.release
    if outcome.success and outcome.release is None:
        outcome.success = False  # a run that did not publish is not a successful refresh
        outcome.failed_steps.append("published/release was not materialised")
    try:
        with connect(paths.candidate, read_only=True) as con:
            _read_candidate(con, outcome)
    except duckdb.Error as exc:  # another run holds the candidate: the event log above still tells the story
        outcome.failed_steps.append(f"summary could not read the candidate database: {exc}")
    return outcome


def _root_cause(error) -> str:
    """The innermost error's message: Dagster wraps what went wrong in its own step-execution error."""
    while error is not None and (error.cause or error.context):
        error = error.cause or error.context
    return error.message.strip() if error else ""


def _read_candidate(con, outcome: RefreshOutcome) -> None:
    run_id = outcome.run_id
    outcome.batches = con.execute(
        f"""
        select source_name, batch_id, case when run_id = ? then 'landed' else 'unchanged' end,
               received, landed, quarantined
        from ({LATEST_BATCHES}) order by source_name
        """,
        [run_id],
    ).fetchall()
    columns = ["batch_id", "run_id", "source_name", "source_uri", "load_kind", "content_sha256", "fetched_at"]
    outcome.batch_list = [
        dict(zip([*columns, "received", "landed", "quarantined", "stored_new", "superseded"], row, strict=True))
        for row in con.execute(
            f"""
            select {", ".join(columns)}, received, landed, quarantined, stored_new, superseded
            from meta.batches
            where batch_id in (select batch_id from ({LATEST_BATCHES})) or run_id = ?
            order by source_name, fetched_at
            """,
            [run_id],
        ).fetchall()
    ]
    outcome.quarantined_by_reason = con.execute(
        """
        select q.source_name, q.field, q.reason, count(*)
        from meta.quarantine as q
        inner join meta.batches as b on q.batch_id = b.batch_id and b.run_id = ?
        group by all order by 1, 2
        """,
        [run_id],
    ).fetchall()
    outcome.sources = source_freshness(con)
    if table_type(con, "marts.scorecard"):
        outcome.levels = con.execute(
            """
            select readiness_level, count(*), any_value(rulebook_version) from marts.scorecard
            where run_id = ? group by readiness_level
            order by list_position(['Gold', 'Silver', 'Bronze', 'None', 'Not eligible', 'Insufficient data'],
                                   readiness_level)
            """,
            [run_id],
        ).fetchall()
