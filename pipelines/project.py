"""The dbt project as Dagster sees it. Kept apart from the @dbt_assets so that
`dagster-dbt project prepare-and-package --file pipelines/project.py` can import it without a manifest."""

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from clusterscore.settings import DBT_PROJECT_DIR

# The dbt installed beside this Python, so nothing depends on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def ensure_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than any of its files.

    Outside `dagster dev` nothing prepares the manifest, and importing the @dbt_assets needs it.
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
