"""Reproduce a past run's scorecard from what was kept: the raw records as they stood when the run ended (kept
by content in the warehouse), the run's rulebook and scoring date (its audit-store record), and the
scoring models. The result is compared row by row with what the run published.

The data is rolled back in a scratch copy of the warehouse (the candidate database, which keeps every raw record
version; taken under the refresh lock, so never mid-run): record versions stored after the run are
removed and versions superseded after it are current again; batches and fetch attempts after it are removed;
freshness is judged at the run's end; later runs' mart rows are removed, earlier ones kept (a scorecard compares
with the previous run). dbt then rebuilds the run's rows with its run id.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from clusterscore.audit_store import RunRecord, recorded_runs
from clusterscore.evidence_links import convert_per_run_rows
from clusterscore.landing import SOURCE_FRESHNESS_VIEW
from clusterscore.publish import forget_runs
from clusterscore.settings import DBT_PROJECT_DIR, Paths
from clusterscore.warehouse import connect

# The published tables compared, and the columns that legitimately differ in a rebuild (when and by which dbt
# invocation the row was computed).
COMPARED = ("scorecard", "fct_indicator_value", "fct_category_score", "fct_indicator_evidence")
NOT_COMPARED = ("computed_at", "dbt_invocation_id")


class ReproduceError(RuntimeError):
    """The run cannot be reproduced (unknown, not published, or its records are gone)."""


@dataclass
class Reproduction:
    run_id: str
    finished_at: str
    code_version_then: str | None
    code_version_now: str | None
    rows: dict[str, int] = field(default_factory=dict)
    differences: dict[str, list[dict]] = field(default_factory=dict)
    workdir: Path | None = None  # the scratch copy's folder, when kept

    @property
    def identical(self) -> bool:
        return not any(self.differences.values())

    def render(self) -> str:
        lines = [f"Run {self.run_id} (ended {self.finished_at}) rebuilt from the kept raw records and rulebook:"]
        for table, count in self.rows.items():
            diffs = self.differences.get(table, [])
            verdict = "identical" if not diffs else f"{len(diffs)} row(s) DIFFER"
            lines.append(f"  marts.{table:24} {count:>6} rows  {verdict}")
            lines += [f"    {json.dumps(d, default=str)[:300]}" for d in diffs[:5]]
        if self.code_version_then != self.code_version_now:
            lines.append(
                f"  Note: the run was scored by code {self.code_version_then}, this rebuild by {self.code_version_now}."
            )
        lines.append("Reproduced exactly." if self.identical else "NOT reproduced: see the differences above.")
        return "\n".join(lines)


def reproduce(paths: Paths, run_id: str, keep_workdir: bool = False) -> Reproduction:
    from clusterscore.operations import refresh_lock
    from clusterscore.refresh import code_version
    from clusterscore.sources import SOURCES

    record = RunRecord(paths, run_id)
    run = record.read_json("run.json")
    if not run or not run.get("published"):
        known = ", ".join(r["run_id"] for r in recorded_runs(paths) if r.get("published")) or "none"
        raise ReproduceError(f"no published run {run_id!r} in the audit store; published runs: {known}")
    if not paths.published_db.exists() or not paths.candidate.exists():
        raise ReproduceError("nothing is published, or the warehouse that keeps the raw records is missing")
    cutoff = run["finished_at"]
    workdir = Path(tempfile.mkdtemp(prefix="clusterscore-reproduce-"))
    try:
        database = workdir / "clusterscore.duckdb"  # same file name, so dbt's relation names are the same
        with refresh_lock(paths):
            shutil.copy2(paths.candidate, database)
            wal = paths.candidate.with_name(paths.candidate.name + ".wal")
            if wal.exists():
                shutil.copy2(wal, database.with_name(database.name + ".wal"))
        _roll_back(database, run_id, cutoff, [spec.raw_table for spec in SOURCES.values()])
        project = _project_with_rulebook(workdir, record)
        _dbt(project, database, run_id, run.get("as_of_date"))
        result = Reproduction(
            run_id, cutoff, run.get("code_version"), code_version(), workdir=workdir if keep_workdir else None
        )
        with connect(database) as con:
            con.execute(f"attach '{paths.published_db}' as published (read_only)")
            for table in COMPARED:
                _compare(con, table, run_id, result)
        return result
    finally:
        if not keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def _roll_back(database: Path, run_id: str, cutoff: str, raw_tables: list[str]) -> None:
    with connect(database) as con:
        # The staging tables (the incremental models; the rest of staging are views) read only the versions landed
        # after the batches they hold (macros/changed_records.sql), and the rollback makes older versions current
        # again: emptied, they are built whole from the rolled-back records.
        staging = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'staging' and database_name = current_database()"
        ).fetchall()
        for (table,) in staging:
            con.execute(f'delete from staging."{table}"')
        for table in raw_tables:
            con.execute(f"delete from {table} where fetched_at > ?", [cutoff])
            con.execute(
                f"update {table} set superseded_at = null, superseded_by_batch_id = null where superseded_at > ?",
                [cutoff],
            )
        con.execute("delete from meta.batches where fetched_at > ?", [cutoff])
        con.execute("delete from meta.fetches where attempted_at > ?", [cutoff])
        con.execute(SOURCE_FRESHNESS_VIEW.format(now=f"timestamptz '{cutoff}'"))
        later = [
            r for (r,) in con.execute("select run_id from meta.releases where published_at > ?", [cutoff]).fetchall()
        ]
        convert_per_run_rows(con)  # a warehouse of older code: its evidence, one row per run and link
        forget_runs(con, [run_id, *later])


def _project_with_rulebook(workdir: Path, record: RunRecord) -> Path:
    project = workdir / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    kept = sorted((record.folder / "rulebook").glob("*.csv"))
    if not kept:
        raise ReproduceError(f"run {record.run_id}: its rulebook was not kept in the audit store")
    for seed in kept:
        shutil.copy2(seed, project / "seeds" / "rulebook" / seed.name)
    return project


def _dbt(project: Path, database: Path, run_id: str, as_of: str | None) -> None:
    from pipelines.project import DBT_EXECUTABLE

    env = {**os.environ, "CLUSTERSCORE_DUCKDB_PATH": str(database), "CLUSTERSCORE_RUN_ID": run_id}
    env.pop("CLUSTERSCORE_AS_OF", None)
    if as_of:
        env["CLUSTERSCORE_AS_OF"] = as_of
    for command in (["seed"], ["run"]):
        done = subprocess.run(
            [DBT_EXECUTABLE, "--quiet", *command, "--project-dir", str(project), "--profiles-dir", str(project)],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise ReproduceError(f"dbt {command[0]} failed:\n{(done.stdout + done.stderr)[-3000:]}")


def _compare(con, table: str, run_id: str, result: Reproduction) -> None:
    columns = [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
            "and table_catalog = 'clusterscore' order by ordinal_position",
            [table],
        ).fetchall()
        if name not in NOT_COMPARED
    ]
    selected = ", ".join(columns)
    rebuilt = f"select {selected} from clusterscore.marts.{table} where run_id = $run"
    kept = f"select {selected} from published.marts.{table} where run_id = $run"
    result.rows[table] = con.execute(f"select count(*) from ({kept})", {"run": run_id}).fetchone()[0]
    differences = []
    for side, first, second in (("published only", kept, rebuilt), ("rebuilt only", rebuilt, kept)):
        rows = con.execute(f"{first} except all {second} limit 20", {"run": run_id}).fetchall()
        differences += [{"side": side, **dict(zip(columns, row, strict=True))} for row in rows]
    result.differences[table] = differences
