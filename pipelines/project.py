"""The dbt project as Dagster sees it. Kept apart from the @dbt_assets so that
`dagster-dbt project prepare-and-package --file pipelines/project.py` can import it without a manifest."""

import shutil
import subprocess
from pathlib import Path

from dagster_dbt import DbtProject

from clusterscore.dbt_server import DBT
from clusterscore.settings import DBT_PROJECT_DIR

DBT_EXECUTABLE = str(DBT)

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def ensure_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than any of its files.

    Outside `dagster dev` nothing prepares the manifest, and importing the @dbt_assets needs it. `make install`
    prepares it (`python -m pipelines.project`), as dagster-dbt advises for a deployment, so the first refresh
    does not parse first; dbt's partial-parse state it leaves beside the manifest is for the home configured
    then (the DuckDB path is part of it), and `seed_partial_parse` hands it to that home's first dbt step.
    """
    manifest = dbt_project.manifest_path
    sources = [
        p
        for folder in ("models", "macros", "seeds", "tests")
        for p in (dbt_project.project_dir / folder).rglob("*")
        if p.is_file()
    ] + [dbt_project.project_dir / "dbt_project.yml"]
    if manifest.exists() and manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "parse",
            "--project-dir",
            str(dbt_project.project_dir),
            "--profiles-dir",
            str(dbt_project.project_dir),
            "--target-path",
            str(manifest.parent),
            "--quiet",
        ],
        check=True,
    )


def seed_partial_parse(target: Path) -> None:
    """Give a dbt target folder that has no partial-parse state the one `ensure_manifest` left: the first dbt step
    of a new home then skips a full parse (~7 s) when the state is for this home's profile. When it is not
    (another home's DuckDB path), dbt says so and parses in full, as it would have anyway."""
    prepared = dbt_project.manifest_path.parent / "partial_parse.msgpack"
    if prepared.exists() and not (target / "partial_parse.msgpack").exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(prepared, target / "partial_parse.msgpack")


if __name__ == "__main__":  # `make install`: prepare the manifest for the configured home
    from clusterscore.settings import export_environment, get_paths

    export_environment(get_paths())  # the home's DuckDB path and settings, which dbt's partial-parse state records
    ensure_manifest()
