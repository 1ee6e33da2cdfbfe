"""What the operator relies on around a refresh: one refresh at a time (a file lock), a status file after
every run, a log of each run's summary, and a webhook notice when a run fails."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clusterscore.json_files import write_json
from clusterscore.settings import Paths

log = logging.getLogger(__name__)
WEBHOOK_ENV = "CLUSTERSCORE_WEBHOOK_URL"


class RefreshAlreadyRunning(RuntimeError):
    """Another refresh holds the lock; DuckDB allows one writer, so this one does not start."""


_held: set[Path] = set()  # locks this process holds, so the CLI and the run it starts share one


@contextmanager
def refresh_lock(paths: Paths, join: bool = False) -> Iterator[None]:
    """One refresh per CLUSTERSCORE_HOME at a time (an advisory file lock, released if the process dies).

    `join`: a run that `clusterscore refresh` started in this process takes the lock the command already holds."""
    paths.home.mkdir(parents=True, exist_ok=True)
    lock_path = (paths.home / "refresh.lock").resolve()
    if join and lock_path in _held:
        yield
        return
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RefreshAlreadyRunning(f"another refresh is running ({holder}); this one did not start") from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        _held.add(lock_path)
        try:
            yield
        finally:
            _held.discard(lock_path)
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_status(paths: Paths) -> dict:
    path = paths.home / "status.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_status(paths: Paths, run: dict, sources: list[dict]) -> dict:
    """Record the last run; keep the last successful one beside it, so a failure never hides what is published."""
    status = read_status(paths)
    status["last_run"] = run
    if run["result"] == "success":
        status["last_success"] = run
    status["sources"] = sources
    write_json(paths.home / "status.json", status, indent=2)  # readers never see a half-written file
    return status


def write_run_log(paths: Paths, run_id: str, text: str) -> Path:
    paths.logs.mkdir(parents=True, exist_ok=True)
    target = paths.logs / f"refresh-{run_id}.log"
    target.write_text(text + "\n", encoding="utf-8")
    return target


def notify_failure(notice: dict, timeout: float = 10.0) -> bool:
    """POST the notice as JSON to CLUSTERSCORE_WEBHOOK_URL when set. Never raises; the URL is never logged,
    since it may carry a token."""
    url = os.environ.get(WEBHOOK_ENV)
    if not url:
        return False
    request = urllib.request.Request(
        url,
        data=json.dumps(notice, default=str).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return 200 <= response.status < 300
    except OSError as exc:
        log.warning("failure webhook could not be delivered: %s", type(exc).__name__)
        return False
