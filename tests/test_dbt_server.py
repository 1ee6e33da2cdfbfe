"""The warm dbt server (clusterscore/dbt_server.py): real dbt, real forks, real signals. The refresh tests run every
dbt step of the pipeline through it; these cover what a pipeline run does not: exit codes, interruption, no server,
and a server whose refresh has gone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import dbt_args

from clusterscore import dbt_server
from clusterscore.settings import DBT_PROJECT_DIR

CLIENT = str(dbt_server.CLIENT)


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _wait_until(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def server(monkeypatch):
    with dbt_server.running() as path:
        (server_pid,) = [
            pid
            for pid in _children(os.getpid())
            if f"clusterscore.dbt_server\0{path}".encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        yield path, server_pid


def test_dbt_in_a_fork_answers_as_dbt_itself(server):
    through_server = subprocess.run([CLIENT, "--version"], capture_output=True, text=True, timeout=120)
    direct = subprocess.run([str(dbt_server.DBT), "--version"], capture_output=True, text=True, timeout=120)
    assert through_server.returncode == direct.returncode == 0
    assert through_server.stdout == direct.stdout and "installed" in direct.stdout

    # a failing command: dbt's own message and exit code reach the caller unchanged
    wrong = subprocess.run([CLIENT, "no-such-command"], capture_output=True, text=True, timeout=120)
    wrong_direct = subprocess.run([str(dbt_server.DBT), "no-such-command"], capture_output=True, text=True, timeout=120)
    assert wrong.returncode == wrong_direct.returncode == 2
    assert "No such command 'no-such-command'" in wrong.stderr
    assert wrong.stderr == wrong_direct.stderr


def test_dbt_in_a_fork_says_nothing_of_leaked_semaphores(server, tmp_path):
    """dbt's locks are named semaphores; a fork ends with os._exit, and its resource tracker then warned of them on
    the client's stderr, once per dbt step of every refresh."""
    listed = subprocess.run(
        [CLIENT, "ls", "--select", "path:seeds/rulebook", *dbt_args(tmp_path / "target")],
        env={**os.environ, "CLUSTERSCORE_DUCKDB_PATH": str(tmp_path / "listed.duckdb")},
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listed.returncode == 0, listed.stderr
    assert "clusterscore.rulebook.rulebook_indicators" in listed.stdout
    assert "leaked" not in listed.stderr and "resource_tracker" not in listed.stderr


def test_an_interrupt_stops_dbt_in_the_fork(server, tmp_path):
    """dagster-dbt stops dbt with SIGINT; the client passes it on to the fork running the query."""
    _, server_pid = server
    query = subprocess.Popen(
        [
            CLIENT,
            "show",
            "--inline",
            "select count(*) from range(1000000000000)",
            *dbt_args(tmp_path / "target"),
        ],
        env={**os.environ, "CLUSTERSCORE_DUCKDB_PATH": str(tmp_path / "interrupted.duckdb")},
        cwd=DBT_PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # dbt runs in a fork of the server, not in the client process
        assert _wait_until(lambda: _children(server_pid)), "the server started no fork"
        assert _wait_until(lambda: (tmp_path / "interrupted.duckdb").exists()), "dbt never opened the database"
        time.sleep(1)
        assert query.poll() is None, "the query ended by itself"
        query.send_signal(signal.SIGINT)
        query.communicate(timeout=120)
    finally:
        if query.poll() is None:
            query.kill()
    assert query.returncode != 0
    assert _wait_until(lambda: not _children(server_pid)), "the fork outlived the interrupt"


def test_without_a_server_the_client_is_dbt(tmp_path, monkeypatch):
    monkeypatch.setenv(dbt_server.SERVER_ENV, str(tmp_path / "nobody-listens.sock"))
    done = subprocess.run([CLIENT, "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "installed" in done.stdout


def test_the_server_ends_with_the_process_that_started_it(tmp_path):
    """A refresh killed outright leaves no server behind: it watches its parent."""
    starter = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, subprocess, sys; "
            f"p = subprocess.Popen([sys.executable, '-m', 'clusterscore.dbt_server', {str(tmp_path / 's.sock')!r}, str(os.getpid())]); "
            "print(p.pid)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    orphan = int(starter.stdout.strip())

    def gone() -> bool:
        try:
            state = Path(f"/proc/{orphan}/stat").read_text().split()[2]
        except FileNotFoundError:
            return True
        return state == "Z"

    assert _wait_until(gone, timeout=30), "the server outlived its parent"


SEEDS = ("build", "--select", "path:seeds/rulebook", "--indirect-selection", "buildable")  # the seeds, their tests


def _parse_ahead_env(tmp_path: Path, database: Path) -> dict[str, str]:
    """Where dagster-dbt points a dbt invocation (its environment, no options), on `database`."""
    return {
        **os.environ,
        "CLUSTERSCORE_DUCKDB_PATH": str(database),
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
    }


def _client(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([CLIENT, *args], env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True, timeout=300)


def _invocation_ids(target: Path) -> tuple[str, str]:
    """The invocation ids of the target's manifest and run results: the same when the build parsed itself."""
    manifest = json.loads((target / "manifest.json").read_text())["metadata"]["invocation_id"]
    results = json.loads((target / "run_results.json").read_text())["metadata"]["invocation_id"]
    return manifest, results


def test_a_build_that_would_parse_as_parsed_ahead_takes_that_manifest(tmp_path):
    env = _parse_ahead_env(tmp_path, tmp_path / "seeds.duckdb")
    with dbt_server.running(parse_ahead={"cwd": os.path.realpath(DBT_PROJECT_DIR), "env": env}) as path:
        env[dbt_server.SERVER_ENV] = path
        # differs only in what the parse does not read: the scoped tests' batches, how dbt logs
        served = _client(
            *SEEDS,
            env={**env, "CLUSTERSCORE_TESTED_THROUGH": "b1", "DBT_LOG_FORMAT": "json", "DAGSTER_DBT_CLI": "true"},
        )  # fmt: skip
        assert served.returncode == 0, served.stdout + served.stderr
        assert "parsing again" not in served.stdout
        manifest_id, results_id = _invocation_ids(tmp_path / "target")
        assert manifest_id != results_id  # the manifest is the parse's, made before this build
        built = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
        assert {r["unique_id"] for r in built} >= {"seed.clusterscore.rulebook_indicators"}
        assert {r["status"] for r in built} <= {"success", "pass"}

        # another value of a variable the parse may read (profiles.yml's memory limit): dbt parses, and says why
        again = _client(*SEEDS, env={**env, "CLUSTERSCORE_DUCKDB_MEMORY_LIMIT": "1GB"})
        assert again.returncode == 0, again.stdout + again.stderr
        assert (
            "clusterscore-dbt: parsing again, not as parsed ahead: environment variables "
            "CLUSTERSCORE_DUCKDB_MEMORY_LIMIT" in again.stdout
        )
        assert len(set(_invocation_ids(tmp_path / "target"))) == 1
        # an option that changes the parse: the same
        option = _client(*SEEDS, "--vars", "{rulebook_version: x}", env=env)
        assert "not as parsed ahead: options --vars" in option.stdout


def test_a_build_on_the_parse_ahead_exits_as_dbt_does(tmp_path):
    """dbt's exit codes through dbt's programmatic runner: 1 when a node fails, 2 when dbt itself does."""
    empty = _parse_ahead_env(tmp_path, tmp_path / "empty.duckdb")
    with dbt_server.running(parse_ahead={"cwd": os.path.realpath(DBT_PROJECT_DIR), "env": empty}) as path:
        failed = _client("build", "--select", "stg_labels__awards", env={**empty, dbt_server.SERVER_ENV: path})
        assert failed.returncode == 1, failed.stdout  # its source table is not there
        assert "parsing again" not in failed.stdout
    nowhere = _parse_ahead_env(tmp_path, tmp_path / "no-such-folder" / "x.duckdb")
    with dbt_server.running(parse_ahead={"cwd": os.path.realpath(DBT_PROJECT_DIR), "env": nowhere}) as path:
        broken = _client(*SEEDS, env={**nowhere, dbt_server.SERVER_ENV: path})
        assert broken.returncode == 2, broken.stdout  # DuckDB cannot open the file
        assert "parsing again" not in broken.stdout


def test_after_a_parse_ahead_that_failed_dbt_parses_in_a_process_of_its_own(tmp_path):
    """A parse ahead leaves the threads of dbt's static parser in the server, which its forks do not have: a fork
    that parsed waited for them for ever. So a build the parse ahead cannot serve runs in a new dbt process."""
    env = _parse_ahead_env(tmp_path, tmp_path / "seeds.duckdb")
    unparsable = {name: value for name, value in env.items() if name != "CLUSTERSCORE_DUCKDB_PATH"}  # profiles.yml
    with dbt_server.running(parse_ahead={"cwd": os.path.realpath(DBT_PROJECT_DIR), "env": unparsable}) as path:
        built = _client(*SEEDS, env={**env, dbt_server.SERVER_ENV: path})
    assert built.returncode == 0, built.stdout + built.stderr
    assert "parsing again, not as parsed ahead: the parse ahead failed" in built.stdout
    assert len(set(_invocation_ids(tmp_path / "target"))) == 1
