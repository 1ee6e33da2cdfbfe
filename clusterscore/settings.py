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
    def duckdb(self) -> Path:
        return self.home / "clusterscore.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def gx_root(self) -> Path:
        """Great Expectations runtime context: validation results and Data Docs (suites stay in the repo)."""
        return self.home / "gx"

    @property
    def site(self) -> Path:
        """The static scorecard site, rebuilt after every successful refresh."""
        return self.home / "site"

    @property
    def exports(self) -> Path:
        """One folder per run with CSV, Parquet and XLSX of the published tables."""
        return self.home / "exports"

    @property
    def logs(self) -> Path:
        return self.home / "logs"


def get_paths(home: str | os.PathLike | None = None) -> Paths:
    """CLUSTERSCORE_HOME, default `data/` in the checkout; always absolute."""
    chosen = home or os.environ.get("CLUSTERSCORE_HOME") or REPO_ROOT / "data"
    return Paths(Path(chosen).expanduser().resolve())


def sample_dir() -> Path:
    """Where the sample sources read from: CLUSTERSCORE_SAMPLE_DIR, default the bundled `sample/`."""
    return Path(os.environ.get("CLUSTERSCORE_SAMPLE_DIR") or SAMPLE_DIR).resolve()


def sample_as_of() -> str | None:
    """The date the sample describes (its MANIFEST's `as_of`), if the sample directory has one."""
    manifest = sample_dir() / "MANIFEST.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("as_of")


def export_environment(paths: Paths) -> None:
    """Set the variables dbt and Dagster read, so child processes (dbt) see the same files."""
    paths.home.mkdir(parents=True, exist_ok=True)
    paths.dagster_home.mkdir(parents=True, exist_ok=True)
    os.environ["CLUSTERSCORE_HOME"] = str(paths.home)
    os.environ["CLUSTERSCORE_DUCKDB_PATH"] = str(paths.duckdb)
    os.environ.setdefault("DAGSTER_HOME", str(paths.dagster_home))
    as_of = sample_as_of()
    if as_of:
        # The sample is a synthetic world frozen on one day: score it as of that day, so results do not drift.
        os.environ.setdefault("CLUSTERSCORE_AS_OF", as_of)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
