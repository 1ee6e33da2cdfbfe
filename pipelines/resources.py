"""Dagster resources: the DuckDB warehouse and the dbt CLI, both pointed at the files settings.py chooses."""

from contextlib import contextmanager

import dagster as dg
from dagster_dbt import DbtCliResource

from clusterscore import warehouse
from clusterscore.settings import Paths, export_environment, get_paths
from pipelines.project import DBT_EXECUTABLE, dbt_project


class Warehouse(dg.ConfigurableResource):
    """The DuckDB file. Opened per step and closed after, because DuckDB allows one writing process."""

    database_path: str

    @contextmanager
    def connect(self, read_only: bool = False):
        with warehouse.connect(self.database_path, read_only=read_only) as con:
            yield con


def build_resources(paths: Paths | None = None) -> dict:
    paths = paths or get_paths()
    export_environment(paths)  # dbt runs as a child process and reads the DuckDB path from the environment
    return {
        "warehouse": Warehouse(database_path=str(paths.duckdb)),
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            profiles_dir=str(dbt_project.project_dir),
            dbt_executable=DBT_EXECUTABLE,
        ),
    }
