"""Every environment variable the code reads is listed in .env.example and named in the README."""

import re

from clusterscore.settings import REPO_ROOT

# Set by the program itself for the dbt process, not by the operator (the dbt server: where the run's dbt server
# listens; the tested-through batches: pipelines/transform.py).
INTERNAL = {"CLUSTERSCORE_DUCKDB_PATH", "CLUSTERSCORE_RUN_ID", "CLUSTERSCORE_DBT_SERVER", "CLUSTERSCORE_TESTED_THROUGH"}


def variables_read_by_the_code() -> set[str]:
    found = set()
    for folder in ("clusterscore", "pipelines"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            found |= set(re.findall(r'"((?:CLUSTERSCORE|CVR)_[A-Z_]+)"', path.read_text(encoding="utf-8")))
    return found - INTERNAL


def test_env_example_lists_every_variable():
    listed = set(re.findall(r"^([A-Z_]+)=", (REPO_ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    missing = variables_read_by_the_code() - listed
    assert not missing, f"not in .env.example: {sorted(missing)}"


def test_readme_names_every_operator_variable():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    # Per-source overrides follow one documented pattern; the rest must be named.
    named = {v for v in variables_read_by_the_code() if not v.startswith("CLUSTERSCORE_SOURCE_")}
    missing = {v for v in named if v not in readme}
    assert not missing, f"not in the README: {sorted(missing)}"
