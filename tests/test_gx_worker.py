"""Great Expectations in a process of its own for a refresh (clusterscore/quality/gx_worker.py): while it runs,
`validate` sends each suite there, and what comes back is what validating in the refresh's process gives."""

from __future__ import annotations

import os

import duckdb
import pytest
from test_quality_profiles import raw_db  # noqa: F401  (a fixture: two landed CVR batches)

from clusterscore.quality import gx_worker
from clusterscore.quality.gx_runner import suite_frame, validate, validate_here


def comparable(outcome) -> dict:
    """An outcome without what differs between any two validations: their times and run names, and the ids GX
    gives the expectations as it stores the suite again."""
    result = {k: v for k, v in outcome.result.items() if k not in ("meta", "statistics")}
    for item in result.get("results", []):
        item.pop("meta", None)
        item.get("expectation_config", {}).pop("id", None)
    return {**vars(outcome), "result": result}


def test_the_worker_validates_as_this_process_does_and_ends_with_its_block(raw_db):  # noqa: F811
    path, keys, _ = raw_db
    with duckdb.connect(str(path), read_only=True) as con:
        good = suite_frame(con, "raw_cvr_companies")
    bad = good.copy()
    bad.loc[0, "invalid_cvr_numbers"] = 2
    bad.loc[0, "invalid_cvr_numbers_examples"] = f"{keys[0]}, {keys[1]}"

    here = [validate_here("raw_cvr_companies", frame) for frame in (good, bad)]
    with gx_worker.running():
        worker = gx_worker.current()
        assert worker is not None and worker._process.pid != os.getpid()
        with gx_worker.running():  # a nested block shares the worker
            assert gx_worker.current() is worker
        there = [validate("raw_cvr_companies", frame) for frame in (good, bad)]
        process = worker._process
    assert gx_worker.current() is None and not process.is_alive()

    assert [o.success for o in there] == [True, False]
    assert [comparable(o) for o in there] == [comparable(o) for o in here]
    assert there[1].failures[0]["observed"] == f"observed 2 (e.g. {keys[0]}, {keys[1]})"


def test_an_error_in_the_worker_is_raised_here_with_its_traceback(raw_db):  # noqa: F811
    path, _, _ = raw_db
    with duckdb.connect(str(path), read_only=True) as con:
        frame = suite_frame(con, "raw_cvr_companies")
    with gx_worker.running():
        with pytest.raises(gx_worker.GxWorkerError, match="Traceback"):
            gx_worker.current().validate(("raw_cvr_companies", frame, "/nonexistent/\0bad", None))
        assert validate("raw_cvr_companies", frame).success  # the worker goes on after an error


def test_a_process_that_ran_the_worker_says_nothing_of_leaked_semaphores(raw_db, tmp_path):  # noqa: F811
    """The worker leaves by releasing what multiprocessing registered for it (a killed worker left a named semaphore
    that the process's resource tracker reported as leaked on stderr at the end of every refresh)."""
    import subprocess
    import sys

    path, _, _ = raw_db
    script = (
        "import duckdb\n"
        "from clusterscore.quality import gx_worker\n"
        "from clusterscore.quality.gx_runner import suite_frame, validate\n"
        f"con = duckdb.connect({str(path)!r}, read_only=True)\n"
        "frame = suite_frame(con, 'raw_cvr_companies')\n"
        "with gx_worker.running():\n"
        "    assert validate('raw_cvr_companies', frame).success\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "leaked" not in done.stderr and "resource_tracker" not in done.stderr, done.stderr[-2000:]


def test_the_worker_writes_each_validations_data_docs_page_when_asked_or_before_it_ends(raw_db):  # noqa: F811
    """It answers a validation first and writes the result's Data Docs page after (when idle, when asked, or as
    its block ends), so the pages the release copies are all there once `data_docs_written` returns."""
    from clusterscore.quality.gx_runner import data_docs_written
    from clusterscore.settings import get_paths

    path, _, _ = raw_db
    with duckdb.connect(str(path), read_only=True) as con:
        frame = suite_frame(con, "raw_cvr_companies")
    pages = get_paths().gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "validations"

    def written() -> int:
        return len(list(pages.glob("raw_cvr_companies/**/*.html")))

    with gx_worker.running():
        before = written()
        assert validate("raw_cvr_companies", frame).success and validate("raw_cvr_companies", frame).success
        data_docs_written()
        assert written() == before + 2
        assert validate("raw_cvr_companies", frame).success  # its page still owed when the block ends
    assert written() == before + 3


def test_the_worker_opens_the_context_before_it_is_asked_and_without_a_config_variables_file(raw_db, tmp_path):  # noqa: F811
    """Given the validations' root, the worker opens the GX context there as soon as it has imported GX, so the
    first validation does not; the context reads no config variables file (GX would parse it again at every read
    of a context variable), and validates as ever."""
    import time

    import yaml

    path, _, _ = raw_db
    with duckdb.connect(str(path), read_only=True) as con:
        frame = suite_frame(con, "raw_cvr_companies")
    settings = tmp_path / "gx-root" / "gx" / "great_expectations.yml"
    with gx_worker.running(str(tmp_path / "gx-root")):
        deadline = time.monotonic() + 120
        while not settings.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert settings.exists()  # no validation asked for yet
        assert gx_worker.current().validate(("raw_cvr_companies", frame, str(tmp_path / "gx-root"), None)).success
    assert yaml.safe_load(settings.read_text())["config_variables_file_path"] is None
