"""A suite's passing result, reused when it would validate the very same rows again under the very same code.

A Great Expectations suite is a function of its rows, the suite and the code (the suite files, the derived columns,
the locked Great Expectations): given the same three it says the same. Most of a night's checks meet exactly that:
the sources that sent nothing new (four of five on a usual night) give their raw and staging suites the rows they
passed last night. Such a check reads its rows as always, and when their fingerprint is that of the suite's last
pass it reports that pass (naming the run that validated them) instead of validating again: 0.3-2 s a suite, and a
run whose checks all reuse never imports Great Expectations (3-4.5 s). Only passes are kept (the last one per suite,
under CLUSTERSCORE_HOME/gx/reuse/), so a failure is always validated afresh, and `CLUSTERSCORE_ALWAYS_RESCORE=1` validates everything again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import pandas as pd

from clusterscore.json_files import write_json
from clusterscore.quality.gx_runner import SuiteOutcome
from clusterscore.run_inputs import always_rescore, code_sha256
from clusterscore.settings import Paths


def fingerprint(suite: str, frame: pd.DataFrame) -> str:
    """sha256 of the code (clusterscore/run_inputs.py: `code_sha256`, which covers the suites), the suite's name
    and the rows it validates: column names and types, and the rows as a multiset (pandas' hash of each row,
    sorted), since a table read without an order comes back in any order and the suites do not depend on it."""
    digest = hashlib.sha256()
    digest.update(f"{code_sha256()}\0{suite}\0".encode())
    digest.update(json.dumps([[str(name), str(dtype)] for name, dtype in frame.dtypes.items()]).encode())
    rows = np.zeros(len(frame), dtype=np.uint64)
    for _, column in frame.items():
        if column.dtype == object:  # may hold lists (a mart's list column): hashed by their items
            column = column.map(_hashable)
        hashes = pd.util.hash_pandas_object(column, index=False)
        rows = rows * np.uint64(1_000_003) + hashes.to_numpy(dtype=np.uint64)  # wraps around, as meant
    digest.update(np.sort(rows).tobytes())
    return digest.hexdigest()


def _hashable(value):
    """A list (or array) as its items' JSON text, numpy's and Python's alike; other values as they are."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return json.dumps(list(value), default=str)
    return value


def _kept(paths: Paths, suite: str):
    return paths.gx_root / "reuse" / f"{suite}.json"


def reusable_outcome(paths: Paths, suite: str, rows: str) -> tuple[SuiteOutcome, str] | None:
    """The suite's last pass and the run that validated it, if it validated rows of this fingerprint."""
    kept = _kept(paths, suite)
    if always_rescore() or not kept.exists():
        return None
    try:
        last = json.loads(kept.read_text(encoding="utf-8"))
        if last["fingerprint"] != rows:
            return None
        return SuiteOutcome(**last["outcome"]), last["run_id"]
    except (ValueError, KeyError, TypeError):  # unreadable (say, cut short by a full disk): validate afresh
        return None


def keep_pass(paths: Paths, suite: str, rows: str, run_id: str, outcome: SuiteOutcome) -> None:
    """Remember a pass for later runs (in place of the suite's pass before)."""
    if not outcome.success:
        return
    record = {"fingerprint": rows, "run_id": run_id, "outcome": dataclasses.asdict(outcome)}
    write_json(_kept(paths, suite), record)
