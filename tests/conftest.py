"""Shared fixtures: a fresh CLUSTERSCORE_HOME per use, the dbt manifest, and one real refresh of the sample."""

from __future__ import annotations

import gzip
import json
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
# Tests refresh the same sample again and again and expect each run to score and build everything; the tests of
# a run with nothing new to score and of what a run reuses (tests/test_unchanged_inputs.py, test_dbt_reuse.py,
# test_quality_reuse.py) remove this.
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


def dbt_test_results(select: str, database: Path, target: Path, env: dict | None = None) -> list[dict]:
    """`dbt test --select <select>` on `database`: the results of its tests (not of the on-run-end hook), after
    checking that dbt exited as they say (1 when one failed)."""
    done = run_dbt("test", "--select", select, database=database, target=target, env=env)
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    tests = [r for r in results if r["unique_id"].startswith("test.")]
    assert tests and done.returncode == (1 if any(r["status"] == "fail" for r in tests) else 0), done.stdout[-3000:]
    return tests


def change_the_register(path) -> dict[str, int]:
    """Three companies lose a participant relation, three report more employees, and one is gone. The other lines
    stay byte for byte (a record's hash is of the line as received)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    companies = {}  # line number -> company, for the documents that land (the sample also holds broken ones)
    for number, line in enumerate(lines):
        company = json.loads(line).get("_source", {}).get("Vrvirksomhed") or {}
        if isinstance(company.get("cvrNummer"), int):
            companies[number] = company
    with_roles = [n for n, c in companies.items() if len(c.get("deltagerRelation") or []) > 1][:3]
    with_employment = [n for n, c in companies.items() if c.get("aarsbeskaeftigelse") and n not in with_roles][:3]
    for number in with_roles:
        companies[number]["deltagerRelation"].pop()
    for number in with_employment:
        companies[number]["aarsbeskaeftigelse"][-1]["antalAnsatte"] += 7
    for number in with_roles + with_employment:
        document = json.loads(lines[number])
        document["_source"]["Vrvirksomhed"] = companies[number] | {"sidstOpdateret": "2026-11-28T21:00:00.000+01:00"}
        lines[number] = json.dumps(document, ensure_ascii=False) + "\n"
    gone = max(set(companies) - set(with_roles) - set(with_employment))
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(line for number, line in enumerate(lines) if number != gone)
    return {"changed": len(with_roles) + len(with_employment), "gone": str(companies[gone]["cvrNummer"])}
