"""Running unattended: one refresh at a time, a status file, a run log, and a webhook notice on failure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from clusterscore.operations import RefreshAlreadyRunning, notify_failure, read_status, refresh_lock
from clusterscore.settings import SAMPLE_DIR

CLI = str(Path(sys.executable).parent / "clusterscore")


@pytest.fixture
def webhook(monkeypatch):
    """A real HTTP endpoint on loopback that records what is posted to it."""
    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("CLUSTERSCORE_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    yield received
    server.shutdown()


def test_a_second_refresh_does_not_start_while_one_runs(home):
    from clusterscore.refresh import run_refresh

    with refresh_lock(home), pytest.raises(RefreshAlreadyRunning, match="another refresh is running"):
        run_refresh(home)
    env = {**os.environ, "CLUSTERSCORE_HOME": str(home.home)}
    with refresh_lock(home):
        result = subprocess.run([CLI, "refresh"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2 and "another refresh is running" in result.stderr


def test_notice_is_posted_to_the_webhook(webhook):
    assert notify_failure({"event": "clusterscore_refresh_failed", "run_id": "r1"})
    assert webhook == [{"event": "clusterscore_refresh_failed", "run_id": "r1"}]


def test_an_unreachable_webhook_does_not_raise(monkeypatch):
    monkeypatch.setenv("CLUSTERSCORE_WEBHOOK_URL", "http://127.0.0.1:9/unreachable")
    assert notify_failure({"event": "x"}, timeout=2) is False


@pytest.mark.slow
def test_a_failed_refresh_leaves_status_log_and_notice_and_publishes_nothing(home, tmp_path, monkeypatch, webhook):
    from clusterscore.refresh import run_refresh

    broken = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, broken)
    cvr = broken / "cvr" / "virksomhed.jsonl.gz"
    cvr.write_bytes(cvr.read_bytes()[:5000])  # a truncated download
    monkeypatch.setenv("CLUSTERSCORE_SAMPLE_DIR", str(broken))

    outcome = run_refresh(home)

    assert not outcome.success
    assert any("raw__cvr_companies" in step for step in outcome.failed_steps)
    status = read_status(home)
    assert status["last_run"]["result"] == "failure" and "last_success" not in status
    assert (home.logs / f"refresh-{outcome.run_id}.log").read_text().count("FAILED") >= 1
    assert webhook and webhook[0]["event"] == "clusterscore_refresh_failed"
    assert webhook[0]["run_id"] == outcome.run_id
    assert outcome.site_index is None and not home.site.exists() and not home.exports.exists()


@pytest.mark.slow
def test_status_after_a_successful_refresh(refreshed):
    paths, outcome = refreshed
    status = read_status(paths)
    assert status["last_success"]["run_id"] in {status["last_run"]["run_id"], outcome.run_id}
    assert {s["source"] for s in status["sources"]} >= {"cvr_companies", "cluster_submissions"}
    result = subprocess.run([CLI, "status", "--home", str(paths.home)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Last run:" in result.stdout and "Published:  run" in result.stdout
    assert "cvr_companies" in result.stdout
