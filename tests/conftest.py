"""Shared fixtures: a fresh CLUSTERSCORE_HOME per use, the dbt manifest, and one real refresh of the sample."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from clusterscore.settings import DBT_PROJECT_DIR, SAMPLE_DIR, export_environment, get_paths

# The names of the CVR participants that are not companies (persons, and `ANDEN_DELTAGER`, which may be one), from
# the raw documents in the database at hand: what must never reach staging or a release.
PARTICIPANT_NAMES_SQL = """
    select distinct unnest(from_json(rel -> '$.deltager.navne', '[{"navn": "VARCHAR"}]')).navn as name
    from (select unnest(from_json(payload -> '$._source.Vrvirksomhed.deltagerRelation', '["JSON"]')) as rel
          from raw.cvr_companies)
    where rel ->> '$.deltager.enhedstype' <> 'VIRKSOMHED'
"""

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Tests refresh the same sample again and again and expect each run to score; the one test of a run with nothing
# new to score (tests/test_unchanged_inputs.py) removes this.
os.environ["CLUSTERSCORE_ALWAYS_RESCORE"] = "1"


def use_home(home: Path):
    """Point every setting (DuckDB file, Dagster home, GX root) at `home`."""
    os.environ["CLUSTERSCORE_HOME"] = str(home)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    paths = get_paths(home)
    export_environment(paths)
    return paths


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest(tmp_path_factory):
    """The manifest must exist before the definitions import (outside `dagster dev` nothing prepares it)."""
    use_home(tmp_path_factory.mktemp("parse-home"))
    from pipelines.project import ensure_manifest

    ensure_manifest()


@pytest.fixture
def home(tmp_path):
    return use_home(tmp_path / "home")


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory, dbt_manifest):
    """One full refresh of the bundled sample through the real job, shared by the tests that only read it."""
    from clusterscore.refresh import run_refresh

    paths = use_home(tmp_path_factory.mktemp("refreshed-home"))
    outcome = run_refresh(paths)
    return paths, outcome


@contextmanager
def own_sample_home(root: Path):
    """A home refreshed once from its own copy of the sample, which the caller may change: (paths, sample dir,
    the first run's outcome). The sample folder setting is restored afterwards."""
    from clusterscore.refresh import run_refresh

    sample = root / "sample"
    shutil.copytree(SAMPLE_DIR, sample)
    patch = pytest.MonkeyPatch()
    patch.setenv("CLUSTERSCORE_SAMPLE_DIR", str(sample))
    try:
        paths = use_home(root / "home")
        first = run_refresh(paths)
        assert first.success, first.render()
        yield paths, sample, first
    finally:
        patch.undo()


def dbt_args(target: Path) -> list[str]:
    """What points dbt at the project, with a target folder of the test's own: the project's holds the manifest the
    pipeline reads, which another database's compile would overwrite."""
    return ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)]


def run_dbt(*args: str, database: Path, target: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """A real dbt command on `database` (the project's profile reads CLUSTERSCORE_DUCKDB_PATH), with `env` added to
    its environment."""
    from pipelines.project import DBT_EXECUTABLE

    return subprocess.run(
        [DBT_EXECUTABLE, *args, *dbt_args(target)],
        env={**os.environ, "CLUSTERSCORE_DUCKDB_PATH": str(database), **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
