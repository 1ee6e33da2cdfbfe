"""The evidence links kept once per range of runs (clusterscore/evidence_links.py): a warehouse of the older layout
(one row per run and link) is converted without losing a link of any run, and a run taken out leaves the links as
they were before it."""

from __future__ import annotations

import duckdb

from clusterscore.evidence_links import LINKS, PER_RUN, RUNS, convert_per_run_rows, undo_runs

# The view's join (dbt_project/models/marts/fct_indicator_evidence.sql): each run's links.
PER_RUN_VIEW = f"""
    select runs.run_id, links.evidence_id, links.record_hash, links.batch_id
    from {LINKS} as links inner join {RUNS} as runs
        on links.first_run_seq <= runs.run_seq and (links.last_run_seq is null or runs.run_seq <= links.last_run_seq)
"""
# run -> its links (evidence id, record hash): a link in runs 1-2, one in all three, one new in run 3, one that
# leaves and comes back, one whose record changed in run 2.
RUN_LINKS = {
    "run-a": [("e1", "h1"), ("e2", "h2"), ("e4", "h4"), ("e5", "h5")],
    "run-b": [("e1", "h1"), ("e2", "h2"), ("e5", "h5-new")],
    "run-c": [("e2", "h2"), ("e3", "h3"), ("e4", "h4"), ("e5", "h5-new")],
}


def legacy_warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        f"create table {PER_RUN} (indicator_evidence_id varchar, run_id varchar, cluster_org_id varchar, "
        "indicator_id varchar, source_name varchar, record_key varchar, record_hash varchar, batch_id varchar, "
        "computed_at timestamp)"
    )
    for day, (run_id, links) in enumerate(RUN_LINKS.items(), start=1):
        for evidence_id, record_hash in links:
            con.execute(
                f"insert into {PER_RUN} values (? || '/' || ?, ?, 'org', 'ind', 'cvr_companies', ?, ?, 'batch', ?)",
                [run_id, evidence_id, run_id, evidence_id, record_hash, f"2026-11-0{day} 02:00:00"],
            )
    return con


def per_run(con) -> set[tuple]:
    return set(con.execute(f"select run_id, evidence_id, record_hash from ({PER_RUN_VIEW})").fetchall())


def expected(runs=RUN_LINKS) -> set[tuple]:
    return {(run_id, e, h) for run_id, links in runs.items() for e, h in links}


def test_a_warehouse_of_one_row_per_run_and_link_is_converted_without_losing_a_link():
    with legacy_warehouse() as con:
        assert convert_per_run_rows(con)
        assert per_run(con) == expected()
        intervals = con.execute(
            f"select evidence_id, record_hash, first_run_id, last_run_seq, closed_by_run_id from {LINKS} order by all"
        ).fetchall()
        assert intervals == [
            ("e1", "h1", "run-a", 2, "run-c"),
            ("e2", "h2", "run-a", None, None),  # open: the latest run has it
            ("e3", "h3", "run-c", None, None),
            ("e4", "h4", "run-a", 1, "run-b"),  # left in run b ...
            ("e4", "h4", "run-c", None, None),  # ... and came back: a second interval
            ("e5", "h5", "run-a", 1, "run-b"),
            ("e5", "h5-new", "run-b", None, None),
        ]
        assert con.execute(f"select run_id, run_seq from {RUNS} order by run_seq").fetchall() == [
            ("run-a", 1),
            ("run-b", 2),
            ("run-c", 3),
        ]
        assert not convert_per_run_rows(con)  # once: the old table is gone


def test_a_run_taken_out_leaves_the_links_as_they_were_before_it():
    with legacy_warehouse() as con:
        convert_per_run_rows(con)
        undo_runs(con, ["run-c"])
        con.execute(f"delete from {RUNS} where run_id = 'run-c'")  # as for every mart kept per run
        assert per_run(con) == expected({k: v for k, v in RUN_LINKS.items() if k != "run-c"})
        (open_links,) = con.execute(
            f"select list(evidence_id || ':' || record_hash order by evidence_id) from {LINKS} where last_run_seq is null"
        ).fetchone()
        assert open_links == ["e1:h1", "e2:h2", "e5:h5-new"]  # run b's links, open again for the next run


def test_a_release_brings_its_links_up_to_date_touching_only_those_that_differ():
    """publish's `_sync_links`: an interval only the release has is dropped, one only the warehouse has is added,
    one closed since is updated, and the rest are left as they are; afterwards both sides hold the same rows. It
    says the latest run whose links the release held (run 1), after which raw versions may be newly named."""
    from clusterscore.publish import _sync_links

    columns = (
        "evidence_interval_id varchar, evidence_id varchar, cluster_org_id varchar, indicator_id varchar, "
        "source_name varchar, record_key varchar, record_hash varchar, batch_id varchar, first_run_id varchar, "
        "first_run_seq integer, last_run_seq integer, closed_by_run_id varchar"
    )
    rows = {
        "kept": ("r1/e1", "e1", "A", "i", "cvr_companies", "k1", "h1", "b1", "r1", 1, None, None),
        "closed": ("r1/e2", "e2", "A", "i", "cvr_companies", "k2", "h2", "b1", "r1", 1, None, None),
        "gone": ("r1/e3", "e3", "B", "i", "cvr_companies", "k3", "h3", "b1", "r1", 1, None, None),
        "new": ("r2/e4", "e4", "B", "i", "cvr_companies", "k4", "h4", "b2", "r2", 2, None, None),
    }
    con = duckdb.connect()
    con.execute("attach ':memory:' as release")
    for database in ("memory", "release"):
        con.execute(f"create schema {database}.marts")
        con.execute(f"create table {database}.{LINKS} ({columns})")
    marks = ", ".join("?" * 12)
    for name in ("kept", "closed", "gone"):
        con.execute(f"insert into release.{LINKS} values ({marks})", rows[name])
    for row in (rows["kept"], (*rows["closed"][:10], 1, "r2"), rows["new"]):
        con.execute(f"insert into memory.{LINKS} values ({marks})", row)

    assert _sync_links(con, "fct_evidence_link") == {
        "dropped": 1,
        "added": 1,
        "updated": 1,
        "opened_after_run_seq": 1,
    }
    for a, b in ((f"memory.{LINKS}", f"release.{LINKS}"), (f"release.{LINKS}", f"memory.{LINKS}")):
        assert con.execute(f"select count(*) from (from {a} except all from {b})").fetchone()[0] == 0
    assert not con.execute("select * from duckdb_tables() where table_name = 'link_changes'").fetchall()


def test_the_interval_id_test_reads_the_intervals_the_run_wrote_and_finds_a_repeat_among_them(refreshed, tmp_path):
    """`unique` on fct_evidence_link.evidence_interval_id, scoped `written_this_run`
    (dbt_project/macros/tests/test_scopes.sql), run by real dbt on copies of a refreshed warehouse: it passes as
    built; a repeat of an interval the run wrote fails it; a repeat among intervals earlier runs wrote alone is
    outside its scope (they were tested when written, and are not written again)."""
    import shutil

    from conftest import dbt_test_results

    paths, outcome = refreshed
    repeat = (
        f"insert into {LINKS} select * from {LINKS} "
        f"where evidence_interval_id = (select min(evidence_interval_id) from {LINKS})"
    )

    def failures(*statements: str) -> int:
        """The test's failures on a copy of the warehouse after `statements`."""
        database = tmp_path / "clusterscore.duckdb"
        shutil.copy(paths.candidate, database)
        with duckdb.connect(str(database)) as con:
            for statement in statements:
                con.execute(statement)
            repeats = con.execute(f"select count(*) - count(distinct evidence_interval_id) from {LINKS}").fetchone()
        (result,) = dbt_test_results(
            "unique_fct_evidence_link_evidence_interval_id",
            database,
            tmp_path / "target",
            {"CLUSTERSCORE_RUN_ID": outcome.run_id},
        )
        assert repeats == ((1,) if statements else (0,))
        return result["failures"]

    assert failures() == 0
    assert failures(repeat) == 1  # the refresh's run opened every interval of this warehouse
    written_earlier = f"update {LINKS} set first_run_id = 'an-earlier-run', closed_by_run_id = null"
    assert failures(written_earlier, repeat) == 0
