"""A suite's passing result, reused when it would validate the very same rows again under the very same code.

A Great Expectations suite is a function of its rows, the suite and the code (the suite files, the derived columns,
the locked Great Expectations): given the same three it says the same. Most of a night's checks meet exactly that:
the sources that sent nothing new (four of five on a usual night) give their raw and staging suites the rows they
passed last night. Such a check fingerprints its rows in DuckDB first (`fingerprint`), and when that is the
fingerprint of the suite's last pass it reports that pass (naming the run that validated them) instead of reading
the rows and validating again: 0.3-2 s a suite, and a run whose checks all reuse never imports Great Expectations
(3-4.5 s). Only passes are kept (the last one per suite, under CLUSTERSCORE_HOME/gx/reuse/), so a failure is
always validated afresh, and `CLUSTERSCORE_ALWAYS_RESCORE=1` validates everything again.

A fingerprint costs a pass over the rows (national submission lines: ~0.15 s a suite), and a profile suite's is
its profile, which costs the query it saves (national: 0.2-0.9 s). So a pass also keeps the run's inputs
(clusterscore/run_inputs.py), and a run whose inputs leave the suite's rows as they were (`same_rows_by_inputs`:
the raw source's batch, or the staging model reusable as clusterscore/dbt_reuse.py decides for dbt's nodes)
reports that pass without reading them: on a usual night, the suites of the sources that sent nothing new.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd

from clusterscore.dbt_reuse import reusable_nodes
from clusterscore.json_files import write_json
from clusterscore.quality.gx_runner import SuiteOutcome
from clusterscore.run_inputs import always_rescore, code_sha256
from clusterscore.settings import Paths


class Rows(NamedTuple):
    fingerprint: str
    count: int  # rows the suite validates (for a profile suite: the rows it profiles)
    profile: pd.DataFrame | None = None  # a profile suite's one-row profile, read to fingerprint it


class Kept(NamedTuple):
    """A suite's last pass: what it validated, and the inputs of the run that validated it (None if not kept)."""

    outcome: SuiteOutcome
    run_id: str
    rows: Rows
    inputs: dict | None

    def for_rows(self, fingerprint: str) -> tuple[SuiteOutcome, str] | None:
        """The pass and the run that validated it, if it validated rows of this fingerprint."""
        return (self.outcome, self.run_id) if self.rows.fingerprint == fingerprint else None


def fingerprint(con, suite: str, validated_through: Sequence[str] = ()) -> Rows:
    """sha256 of the code (clusterscore/run_inputs.py: `code_sha256`, which covers the suites), the suite's name
    and the rows it validates, summarised in DuckDB so that no row leaves it: the columns' names and types, the
    number of rows, and two sums over the rows of a hash of each (DuckDB's `hash` of the row, and of the row with a
    salt; wide integers, so they do not wrap). Sums, since a table read without an order comes back in any order
    and the suites do not depend on it; two, so that rows that differ pass for the same only if both sums agree.

    A profile suite validates its one-row profile, and that row is what is fingerprinted: summing a hash over the
    2.2 million national rows it profiles would cost as much as the profile's query (1-1.5 s), which a night with
    changed CVR documents runs anyway. A scoped profile's batches `validated_through` (gx_runner.py:
    `profile_query`) are part of what it fingerprints."""
    from clusterscore.quality.gx_runner import is_profile_suite, suite_frame, suite_rows_sql

    digest = hashlib.sha256()
    digest.update(f"{code_sha256()}\0{suite}\0".encode())
    if is_profile_suite(suite):
        digest.update(json.dumps(sorted(validated_through)).encode())
        profile = suite_frame(con, suite, validated_through)
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


def kept_pass(paths: Paths, suite: str) -> Kept | None:
    """The suite's last pass, if there is one to reuse (none when CLUSTERSCORE_ALWAYS_RESCORE is set)."""
    kept = _kept(paths, suite)
    if always_rescore() or not kept.exists():
        return None
    try:
        last = json.loads(kept.read_text(encoding="utf-8"))
        rows = Rows(last["fingerprint"], int(last.get("count", 0)))
        return Kept(SuiteOutcome(**last["outcome"]), last["run_id"], rows, last.get("inputs"))
    except (ValueError, KeyError, TypeError):  # unreadable (say, cut short by a full disk): validate afresh
        return None


def same_rows_by_inputs(
    manifest: dict, asset_key: list[str], now: dict, then: dict | None, built_by: str | None
) -> bool:
    """Whether a suite on the asset `asset_key` reads now the rows it read in a run whose inputs were `then`, this
    run's being `now` (clusterscore/run_inputs.py: `run_inputs`), from the inputs alone: a raw source's suite reads
    its latest batch, the same while no other batch has landed (and the code, suites included, is the same); a
    staging model's, the model's rows, the same when dbt's own reuse rule says the model comes out as it did then
    (`built_by`: the code of the last dbt build in the warehouse). Other assets: False (fingerprinted instead)."""
    if not then or len(asset_key) != 2:
        return False
    layer, name = asset_key
    if layer == "raw":
        batch = (now.get("batches") or {}).get(name)
        return (
            batch is not None
            and now.get("code_sha256") == then.get("code_sha256")
            and (then.get("batches") or {}).get(name) == batch
        )
    model = f"model.{manifest.get('metadata', {}).get('project_name', 'clusterscore')}.{name}"
    return layer == "staging" and model in reusable_nodes(manifest, now, then, built_by)


def keep_pass(
    paths: Paths, suite: str, rows: Rows, run_id: str, outcome: SuiteOutcome, inputs: dict | None = None
) -> None:
    """Remember a pass for later runs (in place of the suite's pass before), with the run's inputs if given."""
    if not outcome.success:
        return
    record = {
        "fingerprint": rows.fingerprint,
        "count": rows.count,
        "run_id": run_id,
        "outcome": dataclasses.asdict(outcome),
        "inputs": inputs,
    }
    write_json(_kept(paths, suite), record)
