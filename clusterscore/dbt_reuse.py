"""The dbt nodes a refresh need not build or test again: those whose every input is as it was for the current
release, built and tested by the same code.

A model, seed or test is a function of its code and its inputs: the raw sources it reads (through staging), the
seeds, the models before it, and two values of the run, its id (`current_run_id`: the marts kept per run) and the
as-of date (`as_of_date`). A night usually brings a new batch of one source (CVR); the staging models of the
others, the reference and rulebook seeds and their tests would come out exactly as they did for the release, which
passed every check. They are left out of the dbt build (national: about 100 of the 223 nodes, each ~40 ms of dbt's
own work and some Dagster events) and reported as unchanged, naming the release; the checks the tests stand for
are reported as that release's passes, as Great Expectations' suites are when their rows are the same
(clusterscore/quality/reuse.py).

A node is reused only when all of these hold, so it can never stand for a result it would not give:
- the code (clusterscore/run_inputs.py: `code_sha256`) is the release's, and the last dbt build in this warehouse
  ran that code too (`meta.dbt_builds`, written before every dbt step: a failed run of other code may have left its
  views behind);
- every raw source upstream has the batch in use it had for the release (a batch is never used again once
  another has landed);
- nothing upstream reads the `meta` sources (fetch times, freshness: new every run) or the run id, and the as-of
  date, where read upstream, is the release's;
- for a test, every node it tests is reused, and it does not check the run being built (`where: written_this_run`).
`CLUSTERSCORE_ALWAYS_RESCORE=1` builds and tests everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BUILDS_DDL = """
create schema if not exists meta;
create table if not exists meta.dbt_builds (
    step varchar primary key,
    code_sha256 varchar not null,
    run_id varchar not null,
    started_at timestamptz not null
)
"""
RUN_ID_MACRO = "macro.clusterscore.current_run_id"
AS_OF_MACRO = "macro.clusterscore.as_of_date"
# The override behind `where: written_this_run` calls the run id, but only for a test with that
# config (checked directly): a generic test's call of it says nothing of the test.
WHERE_MACRO = "macro.clusterscore.get_where_subquery"
RUN_SCOPES = frozenset({"written_this_run"})  # dbt_project/macros/tests/test_scopes.sql
RUN_SCHEMA_SOURCES = "meta"  # sources in this schema change every run


def note_build(con, step: str, code_sha256: str, run_id: str) -> None:
    """Record, before a dbt step runs, which code is about to build in this warehouse."""
    con.execute(BUILDS_DDL)
    con.execute(
        "insert or replace into meta.dbt_builds values (?, ?, ?, current_timestamp)", [step, code_sha256, run_id]
    )


def last_built_by(con, step: str) -> str | None:
    """The code_sha256 of the last dbt build of `step` in this warehouse, if one is recorded."""
    (recorded,) = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'meta' and table_name = 'dbt_builds' "
        "and database_name = current_database()"
    ).fetchone()
    row = con.execute("select code_sha256 from meta.dbt_builds where step = ?", [step]).fetchone() if recorded else None
    return row[0] if row else None


def same_code(now: Mapping[str, Any], release: Mapping[str, Any] | None, built_by: str | None) -> bool:
    """Whether the release was scored by this run's code, and the last dbt build in the warehouse ran it too."""
    code = now.get("code_sha256")
    return bool(release and code and release.get("code_sha256") == code and built_by == code)


def batches_tested_through(
    now: Mapping[str, Any], release: Mapping[str, Any] | None, built_by: str | None
) -> list[str]:
    """The batches (one per source: the release's) through which this code's tests have passed on every row: the
    rows of record versions landed in them or before were in the tables the release's build tested, since a version
    current now was current then (the warehouse only moves forward; `clusterscore reproduce` rolls back a scratch
    copy, and does not test). Empty, so every row is tested, when the release's code or the last build's differs:
    a test it did not have, or rows another code computed, would otherwise go unchecked."""
    if not same_code(now, release, built_by):
        return []
    return sorted(batch for batch in (release.get("batches") or {}).values() if batch)


def reusable_nodes(
    manifest: Mapping[str, Any], now: Mapping[str, Any], release: Mapping[str, Any] | None, built_by: str | None
) -> set[str]:
    """The unique ids of the manifest's nodes (models, seeds, tests) that come out as they did for the release whose
    inputs are `release` (clusterscore/run_inputs.py: `run_inputs`), this run's inputs being `now` and the last build
    in the warehouse having run the code `built_by`."""
    if not same_code(now, release, built_by):
        return set()
    same_batch = {
        name
        for name, batch in (now.get("batches") or {}).items()
        if batch is not None and (release.get("batches") or {}).get(name) == batch
    }
    same_as_of = now.get("as_of_date") == release.get("as_of_date")
    macros = manifest.get("macros", {})
    reads_run: dict[str, bool] = {}

    def macro_reads(macro: str, wanted: str, seen: frozenset = frozenset()) -> bool:
        if macro == wanted:
            return True
        if macro in seen or macro == WHERE_MACRO:
            return False
        called = macros.get(macro, {}).get("depends_on", {}).get("macros", [])
        return any(macro_reads(m, wanted, seen | {macro}) for m in called)

    def changes(unique_id: str) -> bool:
        """Whether the node may come out otherwise than it did for the release."""
        if unique_id in reads_run:
            return reads_run[unique_id]
        reads_run[unique_id] = True  # a cycle (none in a dbt graph) counts as changed
        if unique_id.startswith("source."):
            source = manifest["sources"][unique_id]
            changed = source["schema"] == RUN_SCHEMA_SOURCES or source["name"] not in same_batch
        else:
            node = manifest["nodes"].get(unique_id)
            if node is None:  # a node of another kind (an exposure, a unit test's fixture): not known to be the same
                return True
            used = node.get("depends_on", {}).get("macros", [])
            changed = (
                any(macro_reads(m, RUN_ID_MACRO) for m in used)
                or (not same_as_of and any(macro_reads(m, AS_OF_MACRO) for m in used))
                or (node["resource_type"] == "test" and node.get("config", {}).get("where") in RUN_SCOPES)
                or any(changes(parent) for parent in node.get("depends_on", {}).get("nodes", []))
            )
        reads_run[unique_id] = changed
        return changed

    return {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed", "test") and not changes(unique_id)
    }
