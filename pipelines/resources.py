"""Dagster resources: the DuckDB warehouse and the dbt CLI, both pointed at the files settings.py chooses."""

import importlib.metadata
import os
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

from clusterscore import dbt_server, warehouse
from clusterscore.operations import refresh_lock
from clusterscore.publish import copying_release_ahead, prepare_candidate
from clusterscore.quality import gx_worker
from clusterscore.run_inputs import code_sha256
from clusterscore.settings import Paths, export_environment, get_paths
from pipelines.project import dbt_project, seed_partial_parse


class Warehouse(dg.ConfigurableResource):
    """The candidate DuckDB file of CLUSTERSCORE_HOME. Opened per step and closed after, because DuckDB allows
    one writing process.

    For the whole run (the in-process executor sets resources up once per run) it holds the refresh lock, so two
    refreshes never write at once whether started by `clusterscore refresh`, the UI or the schedule; it prepares
    the candidate first (see clusterscore.publish.prepare_candidate) and has the release before copied for the
    run's release (`copying_release_ahead`) and runs Great Expectations in a process of its own
    (clusterscore/quality/gx_worker.py); `clusterscore refresh` starts both before its imports.
    """

    home: str

    @property
    def paths(self) -> Paths:
        return get_paths(self.home)

    @property
    def database_path(self) -> str:
        return str(self.paths.candidate)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        with (
            refresh_lock(self.paths, join=True),
            copying_release_ahead(self.paths, code_sha256()),
            gx_worker.running(str(self.paths.gx_root)),
        ):
            prepare_candidate(self.paths)
            yield self

    @contextmanager
    def connect(self, read_only: bool = False):
        with warehouse.connect(self.database_path, read_only=read_only) as con:
            yield con


class InstalledDbt(DbtCliResource):
    """The dbt CLI beside this Python, started as `clusterscore-dbt`: for the whole run a warm dbt server
    (clusterscore/dbt_server.py) imports dbt once, parses the project ahead for the run's invocations (their
    target folder: `run_target_path`), and each invocation is a fork of it.

    dagster-dbt asks `dbt --version` before every invocation (a dbt start: 3-7 s of CPU on this machine, three
    times a run); the installed dbt-core package says the same at once."""

    run_target_path: str | None = None  # the dbt target folder the run's steps pass (the home's)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        self.setup_for_execution(context)
        with dbt_server.running(parse_ahead=self._parse_ahead(context.run_id)):
            yield self

    def _parse_ahead(self, run_id: str | None) -> dict | None:
        """The working folder and environment dagster-dbt gives the run's dbt invocations (`DbtCliResource.cli`),
        as far as dbt's parse reads them, with the run's id (pipelines/transform.py: `dbt_environment`)."""
        if run_id is None or self.run_target_path is None:
            return None
        seed_partial_parse(Path(self.run_target_path))
        project_dir = str(dbt_project.project_dir)
        env = {
            **os.environ,
            "CLUSTERSCORE_RUN_ID": run_id,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_TARGET_PATH": self.run_target_path,
            "DBT_PROJECT_DIR": project_dir,
            **({"DBT_PROFILES_DIR": self.profiles_dir} if self.profiles_dir else {}),
        }
        return {"cwd": os.path.realpath(project_dir), "env": env}  # as the client finds its folder: resolved

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        """No dbt adapter in this process: pipelines/dbt_metadata.py reads row counts and columns from DuckDB itself
        once dbt has finished. dagster-dbt builds one before every invocation (~2 s: dbt's profile, project and
        macros loaded again), and dbt-duckdb then keeps a connection to the database open in this process."""
        return None


def build_resources(paths: Paths | None = None) -> dict:
    paths = paths or get_paths()
    export_environment(paths)  # dbt runs as a child process and reads the DuckDB path from the environment
    return {
        "warehouse": Warehouse(home=str(paths.home)),
        "dbt": InstalledDbt(
            project_dir=dbt_project,
            profiles_dir=str(dbt_project.project_dir),
            dbt_executable=str(dbt_server.CLIENT),
            run_target_path=str(paths.dbt_target),
        ),
    }
