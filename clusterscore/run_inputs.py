"""What a run's published numbers are a function of, so a run with nothing new to score can stop early.

The scorecards, the site and the exports are computed from: the batch in use per source (and whether it is
stale), the code and its locked dependencies (the dbt project with the rulebook, the suites, the Python, the
configuration, `uv.lock`) and the date scores are computed as of. A release records these inputs in its
RELEASE.json. When a run has landed its sources (and checked them) and finds exactly the inputs of the current
release, scoring again would publish the same numbers: the run stops before dbt and the release stays published.
A new batch, a stale source, any code change or the next day's as-of date is enough to score again.
`CLUSTERSCORE_ALWAYS_RESCORE=1` scores and publishes anyway.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os

from clusterscore.publish import current_release
from clusterscore.settings import DBT_PROJECT_DIR, REPO_ROOT, Paths, expectations_dir

# In the run's audit record when the run stopped before dbt: which release stays published.
UNCHANGED_RECORD = "unchanged.json"
# Everything in the repository that decides a published number or how it is shown.
CODE_PATHS = [
    *(DBT_PROJECT_DIR / name for name in ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")),
    REPO_ROOT / "clusterscore",
    REPO_ROOT / "pipelines",
    REPO_ROOT / "config",
    REPO_ROOT / "uv.lock",
]


def always_rescore() -> bool:
    return os.environ.get("CLUSTERSCORE_ALWAYS_RESCORE", "").lower() in {"1", "true", "yes"}


def as_of_date() -> str:
    """The as-of date dbt will use (macros/scoring.sql: CLUSTERSCORE_AS_OF, else today)."""
    return os.environ.get("CLUSTERSCORE_AS_OF") or dt.date.today().isoformat()


def code_sha256() -> str:
    """sha256 over the path and content of every file in CODE_PATHS, and of the suites and configuration files in
    use (their folders and files may be set elsewhere: CLUSTERSCORE_EXPECTATIONS_DIR, CLUSTERSCORE_CONFIG,
    CLUSTERSCORE_CVR_MAPPING_FILE). Bytecode is left out."""
    digest = hashlib.sha256()
    from clusterscore.config import config_path, cvr_mapping_path

    roots = [*CODE_PATHS, expectations_dir(), config_path(), cvr_mapping_path()]
    files = sorted(
        {
            p
            for root in roots
            for p in ([root] if root.is_file() else root.rglob("*") if root.is_dir() else [])
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        }
    )
    for path in files:
        name = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
        digest.update(name.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def run_inputs(con) -> dict:
    """The inputs of a run that has landed its sources, read from the warehouse `con`."""
    sources = con.execute(
        "select source_name, batch_id, is_stale from meta.source_freshness order by source_name"
    ).fetchall()
    return {
        "batches": {name: batch_id for name, batch_id, _ in sources},
        "stale_sources": [name for name, _, stale in sources if stale],
        "as_of_date": as_of_date(),
        "code_sha256": code_sha256(),
    }


def unchanged_release(paths: Paths, inputs: dict) -> str | None:
    """The run id of the current release when this run's inputs (`run_inputs`) are exactly its inputs (and
    rescoring is not forced); None when the run must score."""
    if always_rescore():
        return None
    release = current_release(paths)
    if release is None or release.inputs is None:
        return None
    return release.run_id if release.inputs == inputs else None
