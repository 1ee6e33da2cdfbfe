"""Great Expectations in a process of its own for a refresh: started as the refresh starts, it imports GX there and
validates each suite the refresh sends it (`gx_runner.validate` sends to it while one runs).

GX's import is ~2.4 s of CPU, all Python. On a thread of the refresh's process (beside the landing of the first new
batch) it held Python's lock against the landing's own Python and ran while both cores were busy; started with the
refresh in a process of its own, it runs on the core the refresh's start leaves idle (the start is one core's
imports), holds no lock of the refresh's, and a run whose checks all reuse earlier results loses nothing by it
(bench/README.md). A validation's rows go to it as a DataFrame (a profile's one row, or a small table's hundreds)
and come back as a `SuiteOutcome`, so what a check reports is what it reported validated in the process itself.

It answers a validation before it updates the result's Data Docs pages (~0.1 s each), which it does once nothing
has been asked of it for a moment (`IDLE`), or when asked (`data_docs`: the release copies the pages), or before it
ends: the national night's CVR suite was answered ~0.13 s sooner, and the pages of the suites on dbt's models are
made while dbt's step ends, not between their validations.

Uses the standard library's `multiprocessing` (spawn: a fresh interpreter, nothing of the refresh's threads or
DuckDB connections is copied into it).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import traceback
from collections.abc import Iterator

from clusterscore.lasting_objects import kept_to_the_end
from clusterscore.process_exit import exit_at_once

_worker: _Worker | None = None


class GxWorkerError(RuntimeError):
    """A validation failed in the worker, or the worker ended."""


class _Worker:
    def __init__(self, gx_root: str | None) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        # Daemonic: ended by multiprocessing's exit handler if the refresh ends without stopping it.
        self._process = context.Process(target=_serve, args=(child, gx_root), name="clusterscore-gx", daemon=True)
        self._process.start()
        child.close()
        self._lock = threading.Lock()  # one request at a time on the pipe; GX validates one at a time anyway

    def validate(self, request: tuple):
        return self._ask(("validate", request))

    def data_docs(self) -> None:
        """Wait until the Data Docs pages of every validation so far are written."""
        self._ask(("data_docs", None))

    def _ask(self, request: tuple):
        with self._lock:
            try:
                self._conn.send(request)
                ok, value = self._conn.recv()
            except (EOFError, OSError) as exc:
                raise GxWorkerError(
                    f"the Great Expectations worker ended (exit code {self._process.exitcode})"
                ) from exc
        if ok:
            return value
        raise GxWorkerError(value)

    def stop(self) -> None:
        """Close the pipe: the worker then writes the Data Docs pages it owes and exits (`_serve`:
        clusterscore/process_exit.py)."""
        self._conn.close()
        self._process.join(timeout=10)
        if self._process.is_alive():  # stuck in a validation or a page the refresh no longer waits for
            self._process.kill()
            self._process.join()


IDLE = 0.2  # seconds without a request after which the worker writes the Data Docs pages it owes


def _serve(conn, gx_root: str | None) -> None:
    """The worker: import GX and open the context at `gx_root`, then answer ("validate", (suite, frame, gx_root,
    spec)) with (True, outcome) and ("data_docs", None) with (True, None) once the pages owed are written, or either
    with (False, the error as text), until the refresh closes the pipe."""
    with kept_to_the_end():
        from clusterscore.quality.gx_runner import (
            import_great_expectations,
            open_context,
            update_data_docs,
            validate_here,
        )

        import_great_expectations()
        if gx_root:
            with contextlib.suppress(Exception):  # if it cannot be opened, the first validation says why
                open_context(gx_root)
    owed: list = []  # checkpoint results whose Data Docs pages are not written yet
    failed: list[str] = []  # pages that could not be written, told at the next "data_docs"

    def write_pages(until_asked: bool) -> None:
        while owed and not (until_asked and conn.poll(0)):
            try:
                update_data_docs(owed.pop(0))
            except BaseException:
                failed.append(traceback.format_exc())

    while True:
        try:
            if owed and not conn.poll(IDLE):
                write_pages(until_asked=True)
                continue
            kind, request = conn.recv()
        except (EOFError, OSError):  # the refresh closed the pipe: results are stored; the pages owed, then out
            write_pages(until_asked=False)
            exit_at_once(0)
        try:
            if kind == "validate":
                reply = (True, validate_here(*request, docs_later=owed))
            else:
                write_pages(until_asked=False)
                reply = (False, failed.pop(0)) if failed else (True, None)
        except BaseException:  # sent back as text: GX's exceptions need not survive pickling
            reply = (False, traceback.format_exc())
        conn.send(reply)


def current() -> _Worker | None:
    """The running worker, if a refresh started one in this process."""
    return _worker


@contextlib.contextmanager
def running(gx_root: str | None = None) -> Iterator[None]:
    """A worker for the block (or the one a surrounding block started), which opens the GX context at `gx_root`
    (the validations' root) once it has imported GX."""
    global _worker
    if _worker is not None:
        yield
        return
    _worker = _Worker(gx_root)
    try:
        yield
    finally:
        worker, _worker = _worker, None
        worker.stop()
