"""A suite's passing result, reused when it would validate the very same rows again under the very same code.

A Great Expectations suite is a function of its rows, the suite and the code (the suite files, the derived columns,
the locked Great Expectations): given the same three it says the same. Most of a night's checks meet exactly that:
the sources that sent nothing new (four of five on a usual night) give their raw and staging suites the rows they
passed last night. Such a check fingerprints its rows in DuckDB first (`fingerprint`), and when that is the
fingerprint of the suite's last pass it reports that pass (naming the run that validated them) instead of reading
the rows and validating again: 0.3-2 s a suite, and a run whose checks all reuse never imports Great Expectations
(3-4.5 s). Only passes are kept (the last one per suite, under CLUSTERSCORE_HOME/gx/reuse/), so a failure is
always validated afresh, and `CLUSTERSCORE_ALWAYS_RESCORE=1` validates everything again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import NamedTuple

import pandas as pd

from clusterscore.json_files import write_json
from clusterscore.quality.gx_runner import SuiteOutcome
from clusterscore.run_inputs import always_rescore, code_sha256
from clusterscore.settings import Paths


class Rows(NamedTuple):
    fingerprint: str
    count: int  # rows the suite validates (for a profile suite: the rows it profiles)
    profile: pd.DataFrame | None = None  # a profile suite's one-row profile, read to fingerprint it


def fingerprint(con, suite: str) -> Rows:
    """sha256 of the code (clusterscore/run_inputs.py: `code_sha256`, which covers the suites), the suite's name
    and the rows it validates, summarised in DuckDB so that no row leaves it: the columns' names and types, the
    number of rows, and two sums over the rows of a hash of each (DuckDB's `hash` of the row, and of the row with a
    salt; wide integers, so they do not wrap). Sums, since a table read without an order comes back in any order
    and the suites do not depend on it; two, so that rows that differ pass for the same only if both sums agree.

    A profile suite validates its one-row profile, and that row is what is fingerprinted: summing a hash over the
    2.2 million national rows it profiles would cost as much as the profile's query (1-1.5 s), which a night with
    changed CVR documents runs anyway."""
    from clusterscore.quality.gx_runner import is_profile_suite, suite_frame, suite_rows_sql

    digest = hashlib.sha256()
    digest.update(f"{code_sha256()}\0{suite}\0".encode())
    if is_profile_suite(suite):
        profile = suite_frame(con, suite)
        types = [[str(name), str(kind)] for name, kind in profile.dtypes.items()]
        digest.update(json.dumps([types, profile.to_dict("records")], default=str).encode())
        return Rows(digest.hexdigest(), int(profile["row_count"].iloc[0]), profile)
    rows = suite_rows_sql(suite)
    columns = [[name, kind] for name, kind, *_ in con.execute(f"describe ({rows})").fetchall()]
    summary = con.execute(
        f"select count(*), coalesce(sum(hash(r)::hugeint), 0), coalesce(sum(hash(r, 'salt')::hugeint), 0) "
        f"from ({rows}) as r"
    ).fetchone()
    digest.update(json.dumps([columns, [str(n) for n in summary]]).encode())
    return Rows(digest.hexdigest(), summary[0])


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
