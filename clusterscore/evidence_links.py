"""The evidence links kept across runs: `marts.fct_evidence_link` holds each link (organisation, indicator, raw
record version) once for the range of runs it holds for, by their `run_seq` in `marts.fct_evidence_run`; the view
`marts.fct_indicator_evidence` shows them per run (dbt_project/models/marts/). Kept one row per run and link, the
national links (1.2 million) were stored again every night, and every release copied and checksummed them all.

Two things happen to the links outside dbt, both here: runs that did not publish (or that a reproduction rolls
back) are taken out again, and a warehouse that still holds the older one-row-per-run-and-link table is converted
once.
"""

from __future__ import annotations

from clusterscore.warehouse import table_type

LINKS = "marts.fct_evidence_link"
RUNS = "marts.fct_evidence_run"
PER_RUN = "marts.fct_indicator_evidence"
# What a link's row can change after it is written: it is closed (or opened again, when its closing run is undone).
MUTABLE_LINK_COLUMNS = ("last_run_seq", "closed_by_run_id")


def undo_runs(con, run_ids: list[str]) -> None:
    """Take the runs `run_ids` out of the kept links: the intervals they opened go, the ones they closed are open
    again. (Their rows in `RUNS` go with the other marts kept per run.)"""
    if not run_ids or table_type(con, LINKS) != "BASE TABLE":
        return
    con.execute(f"delete from {LINKS} where list_contains(?, first_run_id)", [run_ids])
    con.execute(
        f"update {LINKS} set last_run_seq = null, closed_by_run_id = null where list_contains(?, closed_by_run_id)",
        [run_ids],
    )


def convert_per_run_rows(con) -> bool:
    """A warehouse (or release) whose `PER_RUN` is still the table of one row per run and link: its runs become
    `RUNS` (in the order they ran) and its links the intervals of `LINKS` (a link in runs that follow one another is
    one interval), and the table goes, so dbt's next build continues from them and makes `PER_RUN` the view.
    Returns whether there was anything to convert."""
    if table_type(con, PER_RUN) != "BASE TABLE" or table_type(con, LINKS) is not None:
        return False
    con.execute(
        f"""
        create table {RUNS} as
        select
            run_id,
            cast(row_number() over (order by min(computed_at), run_id) as integer) as run_seq,
            cast(min(computed_at) as timestamp) as computed_at
        from {PER_RUN}
        group by run_id
        """
    )
    con.execute(
        f"""
        create table {LINKS} as
        with
        rows as (
            select
                substr(links.indicator_evidence_id, length(links.run_id) + 2) as evidence_id,
                links.* exclude (indicator_evidence_id, computed_at),
                runs.run_seq
            from {PER_RUN} as links
            inner join {RUNS} as runs using (run_id)
        ),
        islands as (
            select
                *,
                run_seq - dense_rank() over (partition by evidence_id, record_hash, batch_id order by run_seq) as island
            from rows
        ),
        intervals as (
            select
                evidence_id, record_hash, batch_id,
                any_value(cluster_org_id) as cluster_org_id,
                any_value(indicator_id) as indicator_id,
                any_value(source_name) as source_name,
                any_value(record_key) as record_key,
                arg_min(run_id, run_seq) as first_run_id,
                min(run_seq) as first_run_seq,
                max(run_seq) as through_run_seq
            from islands
            group by evidence_id, record_hash, batch_id, island
        )
        select
            intervals.first_run_id || '/' || intervals.evidence_id as evidence_interval_id,
            intervals.evidence_id,
            intervals.cluster_org_id,
            intervals.indicator_id,
            intervals.source_name,
            intervals.record_key,
            intervals.record_hash,
            intervals.batch_id,
            intervals.first_run_id,
            cast(intervals.first_run_seq as integer) as first_run_seq,
            cast(case when next_run.run_id is not null then intervals.through_run_seq end as integer) as last_run_seq,
            next_run.run_id as closed_by_run_id
        from intervals
        left join {RUNS} as next_run on next_run.run_seq = intervals.through_run_seq + 1
        """
    )
    con.execute(f"drop table {PER_RUN}")
    return True
