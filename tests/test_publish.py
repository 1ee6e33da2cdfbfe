"""Write-audit-publish under injected faults: after each one the published output is byte for byte what it was,
nothing is lost, and the operator is told why. One home for the module; the faults run in order."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import own_sample_home
from connectors.loopback import Loopback, Reply

from clusterscore.operations import read_status
from clusterscore.publish import file_checksums, verify_published
from clusterscore.settings import EXPECTATIONS_DIR

pytestmark = pytest.mark.slow
CLI = str(Path(sys.executable).parent / "clusterscore")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A home with one good published run, and a sample folder the tests may break."""
    with own_sample_home(tmp_path_factory.mktemp("wap")) as (paths, sample, _):
        yield paths, sample


def published_state(paths) -> tuple[str, dict]:
    return os.readlink(paths.published), file_checksums(paths.published.resolve())


def assert_published_unchanged(paths, before) -> None:
    assert published_state(paths) == before
    assert verify_published(paths) == []


def published_runs(paths) -> set[str]:
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return {r for (r,) in con.execute("select distinct run_id from marts.scorecard").fetchall()}


@pytest.mark.parametrize("suite", ["stg_labels__awards", "marts_scorecard"])
def test_a_failing_check_on_staging_or_the_marts_publishes_nothing(world, tmp_path, monkeypatch, suite):
    """A staging suite runs after the one dbt build, as the marts' suites do: either one failing stops publication."""
    from clusterscore.refresh import run_refresh

    paths, _ = world
    before = published_state(paths)
    strict = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, strict)
    spec = json.loads((strict / f"{suite}.json").read_text())
    spec["expectations"].append(
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 100000, "max_value": 200000}}
    )
    (strict / f"{suite}.json").write_text(json.dumps(spec))
    monkeypatch.setenv("CLUSTERSCORE_EXPECTATIONS_DIR", str(strict))

    outcome = run_refresh(paths)

    assert not outcome.success
    assert any(c.name == f"gx_{suite}" and not c.passed for c in outcome.checks)
    assert_published_unchanged(paths, before)
    status = read_status(paths)
    assert status["last_run"]["result"] == "failure"
    assert any(f"gx_{suite}" in f and "row_count" in f for f in status["last_run"]["failed_checks"])
    assert outcome.run_id not in published_runs(paths)
    assert "Nothing was published" in (paths.logs / f"refresh-{outcome.run_id}.log").read_text()


PAGE = "/benchmarked-clusters"


@pytest.fixture
def live_labels(monkeypatch):
    """The label list read live from a loopback server serving recorded pages; fast retries inside the client."""
    server = Loopback()
    variables = {
        "MODE": "live",
        "URL": server.base + PAGE,
        "RETRIES": "1",
        "BACKOFF_SECONDS": "0.01",
        "MAX_BACKOFF_SECONDS": "0.05",
        "REQUESTS_PER_SECOND": "0",
    }
    for setting, value in variables.items():
        monkeypatch.setenv(f"CLUSTERSCORE_SOURCE_LABEL_AWARDS_{setting}", value)
    yield server
    server.close()


def label_page(server, request) -> Reply:
    name = "benchmarked_page2.html" if request.query.get("page") == "1" else "benchmarked_page1.html"
    return server.recorded(f"labels/{name}", headers={"Content-Type": "text/html; charset=utf-8"})


def label_fetches(paths, run_id) -> list[str]:
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return [
            outcome
            for (outcome,) in con.execute(
                "select outcome from meta.fetches where run_id = ? and source_name = 'label_awards' "
                "order by attempted_at",
                [run_id],
            ).fetchall()
        ]


def test_a_live_source_failing_with_5xx_then_recovering_is_landed(world, live_labels):
    from clusterscore.refresh import run_refresh

    paths, _ = world
    calls = []

    def flaky(request):
        calls.append(request.path)
        return Reply(500, b"<h1>Internal Server Error</h1>") if len(calls) <= 2 else label_page(live_labels, request)

    live_labels.route("GET", PAGE, flaky)
    outcome = run_refresh(paths)

    assert outcome.success, outcome.render()
    # The client's own retry met the second 500, so the step failed once; Dagster retried it and it landed.
    assert label_fetches(paths, outcome.run_id) == ["failed", "landed"]
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        uri, received, landed = con.execute(
            "select source_uri, received, landed from meta.batches "
            "where run_id = ? and source_name = 'label_awards' and status = 'landed'",
            [outcome.run_id],
        ).fetchone()
        stale = con.execute(
            "select count(*) from marts.scorecard where run_id = ? and len(stale_sources) > 0", [outcome.run_id]
        ).fetchone()[0]
    # The recorded pages list five organisations; one was benchmarked without a label and is quarantined.
    assert uri == live_labels.base + PAGE and (received, landed) == (5, 4) and stale == 0


def test_a_live_source_down_for_the_whole_run_falls_back_and_is_shown_stale(world, live_labels):
    from clusterscore.refresh import run_refresh

    paths, _ = world
    live_labels.route("GET", PAGE, Reply(503, b"Service Unavailable", headers={"Retry-After": "0"}))
    outcome = run_refresh(paths)

    assert outcome.success, outcome.render()
    assert label_fetches(paths, outcome.run_id) == ["failed"] * 4  # the first try and three retries, with backoff
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        stale = con.execute(
            "select cluster_org_id, stale_sources from marts.scorecard where run_id = ? and len(stale_sources) > 0",
            [outcome.run_id],
        ).fetchall()
        freshness = con.execute(
            "select is_stale, stale_since, last_attempt_outcome, last_attempt_message from marts.fct_source_freshness "
            "where run_id = ? and source_name = 'label_awards'",
            [outcome.run_id],
        ).fetchone()
    assert stale and all(any(s.startswith("label_awards since ") for s in row[1]) for row in stale)
    assert freshness[0] is True and freshness[1] is not None and freshness[2] == "failed" and "503" in freshness[3]
    site = (paths.published / "site" / "index.html").read_text()
    assert 'id="stale-data"' in site and "label_awards" in site
    status = subprocess.run([CLI, "status", "--home", str(paths.home)], capture_output=True, text=True, timeout=60)
    assert "label_awards" in status.stdout and "STALE since" in status.stdout and "last attempt FAILED" in status.stdout


def test_a_refresh_killed_in_the_middle_of_the_build_changes_nothing(world):
    from clusterscore.refresh import run_refresh

    paths, _ = world
    before = published_state(paths)
    env = {**os.environ, "CLUSTERSCORE_HOME": str(paths.home)}
    process = subprocess.Popen(
        [CLI, "refresh"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True
    )
    seen = []
    for line in process.stdout:  # dbt's progress lines: kill once the scoring models are being built
        seen.append(line)
        if "START sql table model intermediate." in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen[-20:])
    assert_published_unchanged(paths, before)

    again = run_refresh(paths)  # the lock died with the process; the candidate recovers
    assert again.success, again.render()
    assert published_runs(paths) <= set(read_meta_releases(paths))


def read_meta_releases(paths) -> list[str]:
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return [r for (r,) in con.execute("select run_id from meta.releases").fetchall()]


def test_an_error_while_publishing_leaves_the_published_output_as_it_was(world):
    from clusterscore.refresh import run_refresh

    paths, _ = world
    before = published_state(paths)
    # No permission to write the release. As root, only the immutable attribute stops a write.
    locked = ["chattr", "+i", str(paths.releases)] if os.geteuid() == 0 else ["chmod", "a-w", str(paths.releases)]
    unlock = ["chattr", "-i", str(paths.releases)] if os.geteuid() == 0 else ["chmod", "u+w", str(paths.releases)]
    subprocess.run(locked, check=True)
    try:
        outcome = run_refresh(paths)
    finally:
        subprocess.run(unlock, check=True)

    assert not outcome.success
    assert any("published__release" in step and "ermission" in step for step in outcome.failed_steps), outcome.render()
    assert_published_unchanged(paths, before)
    assert outcome.run_id not in published_runs(paths)
    assert read_status(paths)["last_run"]["result"] == "failure"


def test_failed_runs_leave_no_rows_behind_for_the_next_run(world):
    from clusterscore.refresh import run_refresh

    paths, _ = world
    outcome = run_refresh(paths)
    assert outcome.success, outcome.render()
    releases = set(read_meta_releases(paths))
    assert published_runs(paths) == releases
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        previous = {r for (r,) in con.execute("select distinct previous_run_id from marts.scorecard").fetchall()}
    assert previous - {None} <= releases  # a scorecard only ever compares with a published run
