"""One place that decides where things live and which environment we run in.

Everything keyed on the environment (paths, dbt target, DuckDB file) is derived here, so Dagster, dbt
(through environment variables read by `dbt_project/profiles.yml`) and the CLI agree.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SAMPLE_DIR = REPO_ROOT / "sample"


def get_env() -> str:
    """local, ci or production: from CLUSTERSCORE_ENV, else `ci` when CI is set, else `local`."""
    explicit = os.environ.get("CLUSTERSCORE_ENV")
    if explicit:
        return explicit
    return "ci" if os.environ.get("CI") else "local"


@dataclass(frozen=True)
class Paths:
    """The files of one CLUSTERSCORE_HOME."""

    home: Path

    @property
    def candidate(self) -> Path:
        """The DuckDB file a refresh writes into and checks (write-audit-publish); readers never open it."""
        return self.home / "candidate" / "clusterscore.duckdb"

    @property
    def releases(self) -> Path:
        """One folder per published run: its database, site, exports and checksums (the last few are kept)."""
        return self.home / "releases"

    @property
    def published(self) -> Path:
        """A symbolic link to the current release, switched atomically; everything a reader uses is under it."""
        return self.home / "published"

    @property
    def published_db(self) -> Path:
        return self.published / "clusterscore.duckdb"

    @property
    def audit_store(self) -> Path:
        """Per run: dbt manifest and run results, data-quality results, batch list, published checksums."""
        return self.home / "audit"

    @property
    def as_received_store(self) -> Path:
        """The raw record versions a release names but publishes without their personal names, as received: what
        `clusterscore audit` re-hashes them from (clusterscore/publish.py). Not published."""
        return self.audit_store / "as_received.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder, one for every invocation (the build, the docs) and kept per home, so that each
        finds the partial-parse state the one before left for this very profile (the DuckDB path is part of it)
        and skips a full parse (~7 s). The build's manifest and run results are copied to the run's audit record
        as soon as it ends."""
        return self.home / "dbt-target"

    @property
    def gx_root(self) -> Path:
        """Great Expectations runtime context: validation results and Data Docs (suites stay in the repo)."""
        return self.home / "gx"

    @property
    def site(self) -> Path:
        """The published static scorecard site."""
        return self.published / "site"

    @property
    def exports(self) -> Path:
        """The published run's CSV, Parquet and XLSX."""
        return self.published / "exports"

    @property
    def logs(self) -> Path:
        return self.home / "logs"


def get_paths(home: str | os.PathLike | None = None) -> Paths:
    """CLUSTERSCORE_HOME, default `data/` in the checkout; always absolute."""
    chosen = home or os.environ.get("CLUSTERSCORE_HOME") or REPO_ROOT / "data"
    return Paths(Path(chosen).expanduser().resolve())


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the checkout when inside it."""
    try:
        return str(Path(path).relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit for the warehouse (CLUSTERSCORE_DUCKDB_MEMORY_LIMIT, default 2GB), for landing, checks
    and dbt alike; beyond it DuckDB spills to disk. Two processes (the run and dbt) never hold it at once, so a
    national refresh stays under its 4 GB budget (bench/README.md)."""
    return os.environ.get("CLUSTERSCORE_DUCKDB_MEMORY_LIMIT") or "2GB"


def expectations_dir() -> Path:
    """The Great Expectations suites: CLUSTERSCORE_EXPECTATIONS_DIR, default the repo's `expectations/`."""
    return Path(os.environ.get("CLUSTERSCORE_EXPECTATIONS_DIR") or EXPECTATIONS_DIR).resolve()


def sample_dir() -> Path:
    """Where the sample sources read from: CLUSTERSCORE_SAMPLE_DIR, default the bundled `sample/`."""
    return Path(os.environ.get("CLUSTERSCORE_SAMPLE_DIR") or SAMPLE_DIR).resolve()


def sample_as_of() -> str | None:
    """The date the sample describes (its MANIFEST's `as_of`), if the sample directory has one."""
    manifest = sample_dir() / "MANIFEST.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("as_of")


# The first line of a `dagster.yaml` clusterscore wrote: such a file is rewritten when it differs (an older
# version, or a home moved elsewhere); one without it is the operator's own and is left alone.
DAGSTER_YAML_MARKER = "# Written by clusterscore (clusterscore/settings.py: dagster_yaml)"
# What homes made before the marker got, recognised so they are brought up to date too.
_UNMARKED_DAGSTER_YAML = "telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n"


def dagster_yaml(paths: Paths) -> str:
    """The Dagster instance of a home: no telemetry; one refresh at a time in the run queue (the daemon's scheduled
    runs; `clusterscore refresh` runs are also serialised by the refresh lock); Dagster's SQLite event files at
    their default place, written through connections kept open (pipelines/event_log.py)."""
    return (
        f"{DAGSTER_YAML_MARKER}; rewritten when it differs.\n"
        f"{_UNMARKED_DAGSTER_YAML}"
        "event_log_storage:\n"
        "  module: pipelines.event_log\n"
        "  class: HeldOpenSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {json.dumps(str(paths.dagster_home / 'history' / 'runs'))}\n"
    )


def write_dagster_yaml(paths: Paths) -> None:
    """Write the home's `dagster.yaml` unless it is the operator's own."""
    instance_config = paths.dagster_home / "dagster.yaml"
    wanted = dagster_yaml(paths)
    current = instance_config.read_text(encoding="utf-8") if instance_config.exists() else None
    ours = current is None or current == _UNMARKED_DAGSTER_YAML or current.startswith(DAGSTER_YAML_MARKER)
    if ours and current != wanted:
        instance_config.write_text(wanted, encoding="utf-8")


def export_environment(paths: Paths) -> None:
    """Set the variables dbt and Dagster read, so child processes (dbt) see the same files."""
    paths.home.mkdir(parents=True, exist_ok=True)
    paths.candidate.parent.mkdir(parents=True, exist_ok=True)
    paths.dagster_home.mkdir(parents=True, exist_ok=True)
    write_dagster_yaml(paths)
    os.environ["CLUSTERSCORE_HOME"] = str(paths.home)
    os.environ["CLUSTERSCORE_DUCKDB_PATH"] = str(paths.candidate)
    os.environ["CLUSTERSCORE_DUCKDB_MEMORY_LIMIT"] = duckdb_memory_limit()  # read by dbt_project/profiles.yml
    os.environ.setdefault("DAGSTER_HOME", str(paths.dagster_home))
    as_of = sample_as_of()
    if as_of:
        # The sample is a synthetic world frozen on one day: score it as of that day, so results do not drift.
        os.environ.setdefault("CLUSTERSCORE_AS_OF", as_of)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # dbt's own log file at info, not debug: at debug a night's build wrote every statement's SQL to it as JSON
    # (dbt's event logging, output and file together, took 1.1 s of the national night's dbt thread in a profile);
    # the compiled SQL of every node is kept with its run results in the audit store.
    os.environ.setdefault("DBT_LOG_LEVEL_FILE", "info")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
