"""Write-audit-publish: the candidate database of a fully checked run, its site and exports become one release,
switched in atomically under `published/`.

A release is a folder `releases/<run_id>/` holding the published part of the candidate database (everything
readers use: marts, intermediate, rulebook, reference and meta tables, and the raw record versions that the kept
scorecards' evidence names; not the national staging tables and raw register, which stay in the warehouse), the
site (with the run's dbt docs and Data Docs), the exports and `RELEASE.json` with a sha256 of every file. `published` is a symbolic
link to the current release, replaced with one rename: a reader sees the old release or the new one, never a
mix, and a run that fails anywhere before the rename leaves the published output byte for byte as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from clusterscore.evidence_links import LINKS, MUTABLE_LINK_COLUMNS, convert_per_run_rows, undo_runs
from clusterscore.file_hashes import file_sha256
from clusterscore.settings import Paths
from clusterscore.timings import Timings
from clusterscore.warehouse import connect, sql_literal

RELEASE_FILE = "RELEASE.json"
# Candidate relations a release holds as a view of its other tables, with the same rows, instead of a copy. The
# links of the run being published are the links `LINKS` holds open once it is built (dbt_project/models/marts/
# fct_evidence_link.sql): copying the 1.2 million national links again took 0.7 s of every night's publication.
# (In the candidate it is a view too, of the staging tables a release does not hold.)
PUBLISHED_AS_VIEWS = {
    "intermediate.int_indicator_evidence": f"select * from {LINKS} where last_run_seq is null",
}
RELEASES_DDL = """
create schema if not exists meta;
create table if not exists meta.releases (
    run_id varchar primary key,
    published_at timestamptz not null,
    rulebook_version varchar
)
"""


@dataclass(frozen=True)
class Release:
    run_id: str
    folder: Path
    published_at: str
    files: dict[str, str]
    inputs: dict | None = None  # what its numbers are a function of (clusterscore/run_inputs.py)
    database: dict | None = None  # how its database was written (`derivable_base`): whole, or from which release
    phases: list[dict] | None = None  # how long publishing it took, phase by phase (clusterscore/timings.py)

    @property
    def site_index(self) -> Path:
        return self.folder / "site" / "index.html"

    @property
    def exports(self) -> Path:
        return self.folder / "exports"


def keep_releases() -> int:
    """How many releases stay on disk (CLUSTERSCORE_KEEP_RELEASES, default 3); the audit store keeps the rest."""
    return max(1, int(os.environ.get("CLUSTERSCORE_KEEP_RELEASES") or 3))


def file_checksums(folder: Path, known: dict[str, str] | None = None) -> dict[str, str]:
    """sha256 of every file under `folder`, by path relative to it (the release manifest itself excluded); those in
    `known` (by that path) as given, for a file hashed once it was complete."""
    known = known or {}
    files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file() and p.name != RELEASE_FILE}
    return {name: known.get(name) or file_sha256(files[name]) for name in sorted(files)}


def current_release(paths: Paths) -> Release | None:
    manifest = paths.published / RELEASE_FILE
    if not manifest.exists():
        return None
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return Release(
        data["run_id"],
        paths.published.resolve(),
        data["published_at"],
        data["files"],
        data.get("inputs"),
        data.get("database"),
    )


def published_run_ids(paths: Paths) -> set[str]:
    """Runs published so far (recorded in the candidate database by each publication)."""
    if not paths.candidate.exists():
        return set()
    with connect(paths.candidate) as con:
        con.execute(RELEASES_DDL)
        return {run_id for (run_id,) in con.execute("select run_id from meta.releases").fetchall()}


def per_run_mart_tables(con) -> list[str]:
    """The marts kept per run (tables with a run_id column): the rows a run publishes. (The evidence links are
    kept per range of runs: clusterscore/evidence_links.py.)"""
    return [
        table
        for (table,) in con.execute(
            "select table_name from duckdb_columns() join duckdb_tables() using (database_name, schema_name, "
            "table_name) where schema_name = 'marts' and column_name = 'run_id' "
            "and database_name = current_database()"
        ).fetchall()
    ]


def forget_runs(con, run_ids: list[str]) -> None:
    """Take `run_ids` out of the marts kept across runs: their rows, and their evidence links."""
    for table in per_run_mart_tables(con):
        con.execute(f"delete from marts.{table} where list_contains(?, run_id)", [run_ids])
    undo_runs(con, run_ids)


def prepare_candidate(paths: Paths) -> None:
    """Before a run writes: start from the published database when there is no candidate, and drop the rows a
    failed run left in the marts, so a later run never compares with an unpublished result.

    A release holds only the raw records its evidence names, so a candidate started from one forgets the sources'
    batches: the next run reads every source whole again."""
    paths.candidate.parent.mkdir(parents=True, exist_ok=True)
    if not paths.candidate.exists() and paths.published_db.exists():
        shutil.copy2(paths.published_db, paths.candidate)
        with connect(paths.candidate) as con:
            for (table,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' "
                "and table_catalog = current_database()"
            ).fetchall():
                con.execute(f"drop table raw.{table}")
            con.execute("delete from meta.batches")
            con.execute("delete from meta.fetches")
            # No staging is published: nothing of it may be taken as built (clusterscore/dbt_reuse.py).
            con.execute("drop table if exists meta.dbt_builds")
    if not paths.candidate.exists():
        return
    with connect(paths.candidate) as con:
        con.execute(RELEASES_DDL)
        convert_per_run_rows(con)  # a warehouse of older code: its evidence, one row per run and link
        published = {run_id for (run_id,) in con.execute("select run_id from meta.releases").fetchall()}
        ran = {
            run_id
            for table in per_run_mart_tables(con)
            for (run_id,) in con.execute(f"select distinct run_id from marts.{table}").fetchall()
        }
        forget_runs(con, sorted(ran - published))


# The raw record versions a release names (national: ~87,000) fit one of DuckDB's default row groups (122,880
# rows), and DuckDB writes, compresses and reads a row group on one thread: the store's commit compressed them on
# one core (3.7 s) and the release's raw versions were read and written on one (8-9.5 s). In row groups of 16,384
# both go on both cores, as they are written: publish on a copy of a full national home took 15.8-16.3 s instead
# of 22.9-25.3 s (bench/README.md). Only for these two writes: the release's other tables, written so, took
# twice as long.
SMALL_ROW_GROUPS_OF = 16_384
SMALL_ROW_GROUPS = f"(row_group_size {SMALL_ROW_GROUPS_OF})"


def evidence_named(table: str, opened_after: int | None = None) -> str:
    """A filter on raw.`table`: the versions some evidence link names, or some link opened after run (run_seq)
    `opened_after` names."""
    since = "" if opened_after is None else f" and e.first_run_seq > {int(opened_after)}"
    return (
        f"rowid in (select r.rowid from raw.{table} as r where exists (select 1 from {LINKS} as e "
        f"where e.source_name = '{table}' and e.batch_id = r.batch_id and e.record_key = r.record_key{since}))"
    )


def keep_as_received(candidate: Path, store: Path) -> None:
    """Add to `store` the evidence-named raw versions of the sources a release publishes without personal names: as
    received, and as published.

    Their record hashes are of the payload as received; the audit re-hashes them from here, a small file (the
    national register's named versions: ~90,000), where a lookup in the warehouse's register took ~2 s and 3 GB.
    Beside each, its payload as published (`published_payload`, names removed, derived here once per version:
    ~0.2 ms a document, 20 s for the national set, which rebuilding each release must not pay again), its hash
    (`published_sha256`, which the audit compares with the release's copy) and `personal_names_removed`. Kept by
    content like the warehouse's raw tables: a version is added once. The versions to add are found by row id
    first: in one query with the published form, DuckDB derived it for every named version before dropping those
    kept already (5-6 s for none new, national; 0.2 s so)."""
    from clusterscore.landing import RAW_COLUMNS
    from clusterscore.sources import SOURCES

    store.parent.mkdir(parents=True, exist_ok=True)
    with connect(candidate) as con:
        con.execute(f"attach '{store}' as as_received {SMALL_ROW_GROUPS}")
        try:
            con.execute("create schema if not exists as_received.raw")
            for name, spec in SOURCES.items():
                if not spec.published_payload:
                    continue
                # The payload as received, for the audit, which fetches a few thousand by key from a cold file:
                # dict_fsst decodes only those rows (1,686 of the national register's 88,000 named versions in
                # 0.17-0.25 s; the store 200 MB). Uncompressed (0.30-0.37 s; 500 MB) puts each payload over 4 kB
                # in a block of its own, read whole; a zstd segment is decompressed whole (0.5 s). dict_fsst
                # writes slowest (19-22 s against 17-18 s uncompressed, on a fresh store). The published form is
                # read whole, by the release: zstd, a sixth of the default's size.
                zstd_payload = "payload varchar not null using compression zstd"
                assert zstd_payload in RAW_COLUMNS, "RAW_COLUMNS changed: say here how the store keeps the payload"
                raw_columns = RAW_COLUMNS.replace(zstd_payload, "payload varchar not null using compression dict_fsst")
                con.execute(
                    f"create table if not exists as_received.raw.{name} ({raw_columns}, "
                    "published_payload json using compression zstd, published_sha256 varchar, "
                    "personal_names_removed boolean)"
                )
                con.execute(
                    f"""
                    insert into as_received.raw.{name}
                    select *, sha256(published_payload::varchar),
                           published_payload::varchar <> payload::varchar
                    from (
                        select *, {spec.published_payload("source.payload")} as published_payload
                        from raw.{name} as source
                        where rowid in (
                            select named.rowid from raw.{name} as named
                            where {evidence_named(name)}
                            and not exists (
                                select 1 from as_received.raw.{name} as kept
                                where kept.batch_id = named.batch_id and kept.record_key = named.record_key
                            )
                        )
                    )
                    """
                )
        finally:
            con.execute("detach as_received")


# How many releases in a row may start from the database of the one before. A derived file keeps some of the space
# of the rows it deleted (an experiment on the national release, 1 % of the raw versions replaced each time: 0-3 %
# larger per derivation), so every seventh is written whole. Our own choice: it bounds the growth to about a tenth.
DERIVED_AT_MOST = 6
DATABASE_FILE = "clusterscore.duckdb"


def derivable_base(paths: Paths, inputs: dict | None) -> Release | None:
    """The current release, when a new release's database may start from a copy of its database
    (`may_derive_from`)."""
    release = current_release(paths)
    return release if release is not None and may_derive_from(release, inputs) else None


def may_derive_from(release: Release, inputs: dict | None) -> bool:
    """Whether a release with `inputs` may start from `release`'s database: made by the same code (so the same
    tables, and the same published form of every record version) and derived fewer than DERIVED_AT_MOST times in a
    row. Its checksum is verified while it is copied (`start_from`)."""
    return (
        DATABASE_FILE in release.files
        and bool(inputs and release.inputs and inputs.get("code_sha256"))
        and release.inputs.get("code_sha256") == inputs.get("code_sha256")
        and (release.database or {}).get("derivation", 0) < DERIVED_AT_MOST
    )


def start_from(base: Release, target: Path) -> bool:
    """Copy `base`'s database to `target` and drop all but what `write_release_tables` brings up to date (its raw
    record versions, the marts kept per run and the evidence links); False (nothing written) when the copy does
    not match the base's manifest."""
    if file_sha256(base.folder / DATABASE_FILE, copy_to=target) != base.files[DATABASE_FILE]:
        target.unlink()
        return False
    # Opened in the row groups its raw versions were written in: under the default size, the checkpoint below
    # merged them, rewriting ~180 MB of the national release (4-5 s) on every night that derives one.
    with connect(target, row_group_size=SMALL_ROW_GROUPS_OF) as con:
        kept = {("marts", table) for table in per_run_mart_tables(con)} | {tuple(LINKS.split("."))}
        for schema, table in con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name <> 'raw' "
            "and database_name = current_database()"
        ).fetchall():
            if (schema, table) not in kept:
                con.execute(f"drop table {schema}.{table}")
        con.execute("checkpoint")  # the space of the dropped tables is free for the tables written next
    return True


@dataclass(frozen=True)
class _CopyAhead:
    base_run_id: str
    target: Path
    copied: Future[bool]  # `start_from`'s answer


_ahead: dict[Path, _CopyAhead] = {}  # by releases folder: the copy a run in this process started
_ahead_lock = threading.Lock()


@contextmanager
def copying_release_ahead(paths: Paths, code_sha256: str) -> Iterator[None]:
    """For the block (a refresh): the database of the current release, when the next may derive from it
    (`may_derive_from`, by the code), copied on a thread (`start_from`) for `publish` to take; removed at the end
    if not taken. It depends on nothing the run makes, so it is made beside Dagster's imports and the landing
    instead of at publication. A block inside another shares its copy."""
    key, base = paths.releases.resolve(), None
    with _ahead_lock:
        if key not in _ahead:  # no refresh is using one (the caller holds the refresh lock): any left is stale
            for stale in paths.releases.glob(".*.base.duckdb*"):
                stale.unlink()
            base = derivable_base(paths, {"code_sha256": code_sha256})
        if base is not None:
            ahead = _ahead[key] = _CopyAhead(base.run_id, paths.releases / f".{base.run_id}.base.duckdb", Future())

            def copy() -> None:
                try:
                    ahead.copied.set_result(start_from(base, ahead.target))
                except BaseException as exc:  # `publish` copies again itself, where the error is raised
                    ahead.copied.set_exception(exc)

            threading.Thread(target=copy, name="release-copy-ahead", daemon=True).start()
    try:
        yield
    finally:
        if base is not None:
            with _ahead_lock:
                del _ahead[key]
            try:
                ahead.copied.exception()  # waits: the file is removed once written
            finally:
                ahead.target.unlink(missing_ok=True)


def _copied_ahead(paths: Paths, base: Release, target: Path) -> bool | None:
    """`start_from(base, target)` from the copy made ahead (moved to `target`), or None when there is none."""
    with _ahead_lock:
        ahead = _ahead.get(paths.releases.resolve())
    if ahead is None or ahead.base_run_id != base.run_id or ahead.copied.exception() is not None:
        return None
    if ahead.copied.result():
        ahead.target.replace(target)
        return True
    return False


def write_release_database(candidate: Path, target: Path, as_received: Path) -> None:
    """The published part of the candidate as a new DuckDB file, with the column comments (the docs readers see).

    Left out: the staging schema (rebuilt from raw every night; the national CVR tables are GBs) and the raw
    record versions no kept scorecard's evidence names (the whole register): `clusterscore audit` re-hashes the
    named ones from this file (where personal names were removed, from the store `keep_as_received` fills, which
    also gives their published form), and `clusterscore reproduce` reads the full raw history from the warehouse."""
    write_release_tables(candidate, target)
    write_release_tables(candidate, target, as_received)


def write_release_tables(
    candidate: Path, target: Path, as_received: Path | None = None, links_done: dict | None = None
) -> dict[str, dict]:
    """One part of `write_release_database`. Without `as_received`: every table but the raw record versions (what
    the site and the exports read; it needs no store). With it: the raw record versions, as published (it needs the
    store `keep_as_received` has completed). So publish writes the first part while the store fills.

    A raw table or a mart kept per run that `target` holds already (the previous release's, `start_from`), with the
    same columns, is brought up to date (`_bring_up_to_date`, `_copy_new_runs`) instead of written whole.
    `links_done`: what the first part did to the evidence links (`_sync_links`), which tells the second whether a
    link went. Returns what was done to each of those tables."""
    raw = as_received is not None
    none_to_drop, opened_after = _no_link_went(links_done), (links_done or {}).get("opened_after_run_seq")
    done: dict[str, dict] = {}
    with connect(candidate) as con:
        per_run = {("marts", table) for table in per_run_mart_tables(con)}
        # The raw versions in small row groups, so DuckDB writes them on both cores (~87,000 rows nationally: one
        # default row group). A file that holds them already (derived from the release before: `start_from`) is
        # opened so for its other tables too, or their checkpoint would merge the raw versions' row groups.
        # A new file's other tables are written in the default size (in small ones: twice as long, national).
        small = raw or target.exists()
        con.execute(f"attach '{target}' as release {SMALL_ROW_GROUPS if small else ''}")
        if raw:
            con.execute(f"attach '{as_received}' as as_received (read_only)")
        try:
            tables = con.execute(
                "select schema_name, table_name, comment from duckdb_tables() where database_name = "
                "current_database() and schema_name <> 'staging' and (schema_name = 'raw') = ? "
                "and (schema_name, table_name) <> ('meta', 'dbt_builds') order by all",
                [raw],
            ).fetchall()
            for schema, table, comment in tables:
                con.execute(f"create schema if not exists release.{schema}")
                if f"{schema}.{table}" in PUBLISHED_AS_VIEWS:
                    continue  # a view, made below with the marts' views
                rows = f"select * from {schema}.{table}"
                if schema == "raw":  # the versions some scorecard's evidence names
                    # Found by their keys first, then fetched by row id: the payloads of the others (the whole
                    # register) are never read (national CVR: 0.8 s instead of 6 s).
                    rows += f" where {evidence_named(table)}"
                rows = _without_personal_names(schema, table, rows)
                links = f"{schema}.{table}" == LINKS
                derivable = schema == "raw" or (schema, table) in per_run or links
                if derivable and _kept_alike(con, schema, table, rows):
                    if raw:
                        done[f"{schema}.{table}"] = _bring_up_to_date(con, table, none_to_drop, opened_after)
                    else:
                        done[f"{schema}.{table}"] = (_sync_links if links else _copy_new_runs)(con, table)
                else:
                    con.execute(f"create or replace table release.{schema}.{table} as {rows}")
                    if derivable:
                        done[f"{schema}.{table}"] = {"written_whole": True}
                if comment:
                    con.execute(f"comment on table release.{schema}.{table} is {sql_literal(comment)}")
            for (table,) in con.execute(
                "select table_name from duckdb_columns() where database_name = 'release' and schema_name = 'raw' "
                "and column_name = 'personal_names_removed'"
            ).fetchall():
                con.execute(
                    f"comment on column release.raw.{table}.personal_names_removed is "
                    "'True where personal names were removed from the payload on publication: its record_hash is of "
                    "the payload as received, which clusterscore audit re-hashes from the store of records as "
                    "received beside the audit records (audit/as_received.duckdb, not published).'"
                )
            for schema, table, column, comment in con.execute(
                "select schema_name, table_name, c.column_name, c.comment from duckdb_columns() as c "
                "join duckdb_tables() using (database_name, schema_name, table_name) where database_name = "
                "current_database() and schema_name <> 'staging' and (schema_name = 'raw') = ? "
                "and c.comment is not null",
                [raw],
            ).fetchall():
                if f"{schema}.{table}" in PUBLISHED_AS_VIEWS:
                    continue
                con.execute(f'comment on column release.{schema}.{table}."{column}" is {sql_literal(comment)}')
            views = [] if raw else _mart_views(con) + _tables_as_views(con)
        finally:
            con.execute("detach release")
            if raw:
                con.execute("detach as_received")
    if views:  # on the release's own connection: a view names its tables in the database it is read from
        with connect(target, row_group_size=SMALL_ROW_GROUPS_OF) as release:  # as above: it may hold raw versions
            for statement in views:
                release.execute(statement)
    return done


def _tables_as_views(con) -> list[str]:
    """The statements that make the relations of PUBLISHED_AS_VIEWS views in a release, with the candidate
    relation's columns (in its order) and comments (a table's or a view's)."""
    statements = []
    for name, rows in PUBLISHED_AS_VIEWS.items():
        described = con.execute(
            "select c.column_name, c.comment, t.comment from duckdb_columns() as c join ("
            "select database_name, schema_name, table_name, comment from duckdb_tables() union all "
            "select database_name, schema_name, view_name, comment from duckdb_views()) as t "
            "using (database_name, schema_name, table_name) where database_name = current_database() "
            "and schema_name || '.' || table_name = ? order by c.column_index",
            [name],
        ).fetchall()
        if not described:
            continue
        columns = ", ".join(f'"{column}"' for column, _, _ in described)
        statements.append(f"create or replace view {name} as select {columns} from ({rows})")
        if described[0][2]:
            statements.append(f"comment on view {name} is {sql_literal(described[0][2])}")
        statements += [
            f'comment on column {name}."{column}" is {sql_literal(text)}' for column, text, _ in described if text
        ]
    return statements


def _mart_views(con) -> list[str]:
    """The statements that make the candidate's views of the marts (fct_indicator_evidence), with their comments,
    in a release: its database file has the candidate's name, so the tables they name are its own."""
    statements = []
    for view, sql, comment in con.execute(
        "select view_name, sql, comment from duckdb_views() where database_name = current_database() "
        "and schema_name = 'marts' and not internal order by view_name"
    ).fetchall():
        statements.append(sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
        if comment:
            statements.append(f"comment on view marts.{view} is {sql_literal(comment)}")
        statements += [
            f'comment on column marts.{view}."{column}" is {sql_literal(text)}'
            for column, text in con.execute(
                "select column_name, comment from duckdb_columns() where database_name = current_database() "
                "and schema_name = 'marts' and table_name = ? and comment is not null",
                [view],
            ).fetchall()
        ]
    return statements


def _kept_alike(con, schema: str, table: str, rows: str) -> bool:
    """Whether the release holds `schema`.`table` already, with the columns and types `rows` gives."""
    kept = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = 'release' "
        "and schema_name = ? and table_name = ? order by column_index",
        [schema, table],
    ).fetchall()
    return bool(kept) and kept == [(name, kind) for name, kind, *_ in con.execute(f"describe {rows}").fetchall()]


def _no_link_went(links_done: dict | None) -> bool:
    """Whether the release's evidence links were brought up to date (`_sync_links`) without dropping any: then
    every version the release before names is named still, since a link's source, batch and key never change
    (only its closing does: `MUTABLE_LINK_COLUMNS`)."""
    return bool(links_done) and links_done.get("dropped") == 0


def _bring_up_to_date(con, table: str, none_to_drop: bool = False, opened_after: int | None = None) -> dict:
    """The previous release's raw.`table` made equal to a whole write (national: 0.7 s with nothing new, 1.3 s with
    1,000 versions added and 500 changed, against 6-7 s written whole): versions no evidence names any more
    dropped, newly named ones added (their published form from the store, as a whole write takes it), and what
    landing changes in a stored version (`MUTABLE_RAW_COLUMNS`) taken from the warehouse. A version's other columns
    are fixed by its content. `none_to_drop` (`_no_link_went`) leaves out the search for versions to drop, an
    anti-join with all 1.2 million national links (0.05-0.4 s a source, national). `opened_after` (`_sync_links`:
    the latest run whose links the release before held) narrows the search for newly named versions to the links
    opened after it: a link the release before held named a version that release holds, and a version is dropped
    only when no link names it (national night: ~12,000 links instead of 1.2 million a source)."""
    from clusterscore.landing import MUTABLE_RAW_COLUMNS

    same_version = "kept.batch_id = fresh.batch_id and kept.record_key = fresh.record_key"
    dropped = 0
    if not none_to_drop:
        (dropped,) = con.execute(
            f"delete from release.raw.{table} as kept where not exists (select 1 from {LINKS} "
            f"as evidence where evidence.source_name = '{table}' and evidence.batch_id = kept.batch_id "
            "and evidence.record_key = kept.record_key)"
        ).fetchone()
    con.execute(
        f"create or replace temp table new_versions as select batch_id, record_key from raw.{table} as fresh "
        f"where {evidence_named(table, opened_after)} "
        f"and not exists (select 1 from release.raw.{table} as kept where {same_version})"
    )
    (added,) = con.execute("select count(*) from new_versions").fetchone()
    if added:  # fetched by row id, here and from the store: a join would read every payload of the other side

        def by_row_id(relation: str) -> str:
            return (
                f"(select * from {relation} where rowid in "
                f"(select v.rowid from {relation} as v semi join new_versions using (batch_id, record_key)))"
            )

        rows = _without_personal_names(
            "raw", table, f"from {by_row_id(f'raw.{table}')}", by_row_id(f"as_received.raw.{table}")
        )
        con.execute(f"insert into release.raw.{table} by name {rows}")
    updated = _update_changed(con, f"release.raw.{table}", f"raw.{table}", same_version, MUTABLE_RAW_COLUMNS)
    return {"dropped": dropped, "added": added, "updated": updated}


def _update_changed(con, kept: str, fresh: str, same_row: str, columns) -> int:
    """Sets `columns` of the rows of `kept` (aliased kept) to those of the same row in `fresh` (aliased fresh) where
    any differs; returns how many rows changed."""
    (updated,) = con.execute(
        f"update {kept} as kept set {', '.join(f'{c} = fresh.{c}' for c in columns)} "
        f"from {fresh} as fresh where {same_row} and ("
        + " or ".join(f"kept.{c} is distinct from fresh.{c}" for c in columns)
        + ")"
    ).fetchone()
    return updated


def _sync_links(con, table: str) -> dict:
    """The previous release's evidence links (clusterscore/evidence_links.py) made equal to a whole write: the
    intervals no longer kept dropped, the new ones added, and the closing of those closed since updated (national:
    ~1 % of the 1.2 million a night, not all of them). The intervals that differ are found in one full join of the
    two sides (0.37-0.41 s national, against 0.75-0.97 s for an anti-join each way and a join for the updates), and
    only those are touched."""
    fresh, kept = f"marts.{table}", f"release.marts.{table}"
    (opened_after,) = con.execute(f"select max(first_run_seq) from {kept}").fetchone()
    differs = " or ".join(f"fresh.{c} is distinct from kept.{c}" for c in MUTABLE_LINK_COLUMNS)
    con.execute(
        "create or replace temp table link_changes as select fresh.evidence_interval_id as fresh_id, "
        f"kept.evidence_interval_id as kept_id from {fresh} as fresh full outer join {kept} as kept "
        "on fresh.evidence_interval_id = kept.evidence_interval_id "
        f"where fresh.evidence_interval_id is null or kept.evidence_interval_id is null or {differs}"
    )
    dropped, added = _drop_and_add(
        con,
        kept,
        fresh,
        "evidence_interval_id in (select kept_id from link_changes where fresh_id is null)",
        "evidence_interval_id in (select fresh_id from link_changes where kept_id is null)",
    )
    updated = _update_changed(
        con,
        kept,
        fresh,
        "kept.evidence_interval_id = fresh.evidence_interval_id and kept.evidence_interval_id in "
        "(select kept_id from link_changes where fresh_id is not null and kept_id is not null)",
        MUTABLE_LINK_COLUMNS,
    )
    con.execute("drop table link_changes")
    return {"dropped": dropped, "added": added, "updated": updated, "opened_after_run_seq": opened_after}


def _copy_new_runs(con, table: str) -> dict:
    """The previous release's marts.`table` (kept per run) made equal to a whole write. dbt writes a run's rows in
    that run only (delete+insert on run_id), so the runs whose row count differs (the new run; a run no longer
    kept) are all there is to copy or drop (national: the new run's 1.2 million evidence links, not every run's)."""
    con.execute(
        f"""
        create or replace temp table runs_to_copy as
        select run_id from (select run_id, count(*) as row_count from marts.{table} group by run_id) as fresh
        full join (select run_id, count(*) as row_count from release.marts.{table} group by run_id) as kept
            using (run_id)
        where fresh.row_count is distinct from kept.row_count
        """
    )
    in_runs = "run_id in (select run_id from runs_to_copy)"
    dropped, added = _drop_and_add(con, f"release.marts.{table}", f"marts.{table}", in_runs, in_runs)
    return {"dropped": dropped, "added": added}


def _drop_and_add(con, kept: str, fresh: str, drop_where: str, add_where: str) -> tuple[int, int]:
    """Deletes the rows of `kept` that meet `drop_where`, then copies those of `fresh` that meet `add_where`."""
    (dropped,) = con.execute(f"delete from {kept} where {drop_where}").fetchone()
    (added,) = con.execute(f"insert into {kept} by name select * from {fresh} where {add_where}").fetchone()
    return dropped, added


WITHHELD = "[withheld on publication: not JSON, so personal names could not be removed; the warehouse keeps it]"


def _without_personal_names(schema: str, table: str, rows: str, kept: str | None = None) -> str:
    """`rows` as published: payloads of sources that hold personal names (the CVR's participants) with the names
    removed. Raw rows say whether theirs were (`personal_names_removed`): `clusterscore audit` re-hashes those from
    the store of records as received (`keep_as_received`; `kept`: the part of it that holds `rows`), the rest from
    the release itself."""
    from clusterscore.sources import SOURCES

    spec = SOURCES.get(table) if schema == "raw" else None
    if spec and spec.published_payload:  # as published, from the store `keep_as_received` has just completed
        return (
            f"select r.* replace (kept.published_payload as payload), kept.personal_names_removed from ({rows}) as r "
            f"inner join {kept or f'as_received.raw.{table}'} as kept "
            "on kept.batch_id = r.batch_id and kept.record_key = r.record_key"
        )
    if (schema, table) == ("meta", "quarantine"):
        cases = " ".join(
            f"when source_name = '{name}' then case when json_valid(raw_text) "
            f"then ({spec.published_payload('raw_text::json')})::varchar else {sql_literal(WITHHELD)} end"
            for name, spec in SOURCES.items()
            if spec.published_payload
        )
        return f"select * replace (case {cases} else raw_text end as raw_text) from ({rows})"
    return rows


def publish(
    paths: Paths,
    run_id: str,
    rulebook_version: str | None = None,
    docs: dict[str, Path] | None = None,
    inputs: dict | None = None,
    timings: Timings | None = None,
    later_docs: Callable[[], dict[str, Path]] | None = None,
) -> Release:
    """Make `run_id`'s candidate the published release. `docs` maps a folder name under the site to a folder of
    generated documentation copied in (dbt docs, Data Docs), and so does `later_docs()`, called when the site is
    built (for pages still being written when publishing starts); `inputs` (clusterscore/run_inputs.py) is
    recorded in RELEASE.json; `timings` gets the phases (the returned release's `phases`). Raises on any error,
    publishing nothing."""
    timings = timings or Timings()
    published_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with timings.phase("candidate: record the release, checkpoint"), connect(paths.candidate) as con:
        con.execute(RELEASES_DDL)
        con.execute("insert or replace into meta.releases values (?, ?, ?)", [run_id, published_at, rulebook_version])
        con.execute("checkpoint")  # the file alone then holds everything: no write-ahead log to copy

    paths.releases.mkdir(parents=True, exist_ok=True)
    building = paths.releases / f".{run_id}.building"
    final = paths.releases / run_id
    try:
        if building.exists():
            shutil.rmtree(building)
        building.mkdir()
        database = building / DATABASE_FILE
        base = derivable_base(paths, inputs)
        copied_ahead = None
        if base is not None:
            with timings.phase("database: copy of the release before (checksummed)"):
                copied_ahead = _copied_ahead(paths, base, database)
                if not (copied_ahead if copied_ahead is not None else start_from(base, database)):
                    base = None  # the current release's database is not as its manifest says: write this one whole
        tables, hashed = _write_release(paths, run_id, database, building, docs, timings, later_docs)
        written = {
            "derived_from": base and base.run_id,  # None: written whole
            "copied_ahead": base is not None and bool(copied_ahead),  # by `copying_release_ahead`
            "derivation": 0 if base is None else (base.database or {}).get("derivation", 0) + 1,
            "tables": tables,
        }
        with timings.phase("checksums of the release's files"):
            files = file_checksums(building, hashed)
        manifest = {
            "run_id": run_id,
            "published_at": published_at,
            "rulebook_version": rulebook_version,
            "inputs": inputs,
            "database": written,
        }
        (building / RELEASE_FILE).write_text(json.dumps({**manifest, "files": files}, indent=2), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        building.rename(final)
        _switch(paths.published, final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        with connect(paths.candidate) as con:  # not published after all
            con.execute("delete from meta.releases where run_id = ?", [run_id])
        raise
    with timings.phase("prune old releases"):
        _prune(paths)
    return Release(run_id, final, published_at, files, inputs, written, timings.phases)


def _write_release(
    paths: Paths,
    run_id: str,
    database: Path,
    building: Path,
    docs: dict[str, Path] | None,
    timings: Timings,
    later_docs: Callable[[], dict[str, Path]] | None = None,
) -> tuple[dict[str, dict], dict[str, str]]:
    """The release's database, site and exports, in `building`, with the Python-bound and the DuckDB-bound work
    side by side (national, fresh home: 40 s one after the other, 34 s so):

    - on a worker thread, DuckDB: the store of records as received (`keep_as_received`, from the candidate), then
      the release's raw record versions, which need that store;
    - here, meanwhile: the tables the site and the exports read (also DuckDB, on the same candidate), the exports'
      CSV and Parquet files and what the site and the workbook show, read from those tables; then the site's
      pages (Jinja, and charts written as SVG: Python);
    - on another worker thread, once those reads are done: the exports' workbook, handed to a process of its own
      started when this starts (clusterscore/workbook.py: openpyxl is all Python, and on a thread here it held
      Python's lock against the site's pages and the raw versions' statements). Its rows are in memory by then, so
      the raw versions go into the database beside it: when a child process read the tables for the exports, the
      raw versions waited for it to end, as it held the file open (national night: 1.2 s of the release's 3.9 s).
      The database is complete once its raw versions are in: that thread then hashes it (~0.2 s for its ~290 MB,
      national) while the workbook is still being written.

    Returns what was done to each derived table, and the database's sha256 by its path in the release."""
    from clusterscore.exports import export_files, workbook_path
    from clusterscore.site import build_site, queries
    from clusterscore.workbook import WorkbookProcess

    # One thread for the store, then the raw versions; one for the workbook's process, which imports meanwhile.
    with (
        WorkbookProcess() as workbook_process,
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="release") as worker,
    ):

        def store() -> None:
            with timings.phase("worker: store of records as received"):
                keep_as_received(paths.candidate, paths.as_received_store)

        stored = worker.submit(store)
        with timings.phase("database: tables but the raw versions"):
            done = write_release_tables(paths.candidate, database)
        with timings.phase("exports: CSV, Parquet and the workbook's rows"), connect(database, read_only=True) as con:
            exported, workbook_rows = export_files(con, building / "exports", run_id)
        with timings.phase("site: read"):
            site = queries.load(database)  # read before the raw tables are written: the file is then free

        def workbook() -> None:
            with timings.phase("worker: exports' workbook (XLSX)"):
                exported.files.append(workbook_process.write(workbook_path(exported), workbook_rows))

        def raw_tables() -> tuple[dict[str, dict], str]:
            stored.result()
            with timings.phase("worker: raw record versions"):
                tables = write_release_tables(paths.candidate, database, paths.as_received_store, done.get(LINKS))
            with timings.phase("worker: checksum of the database"):
                return tables, file_sha256(database)

        written = worker.submit(raw_tables)
        workbook_written = worker.submit(workbook)
        with timings.phase("site: pages"):
            build_site(site, building / "site", docs={**(docs or {}), **(later_docs() if later_docs else {})})
        workbook_written.result()
        tables, database_sha256 = written.result()
    return done | tables, {database.relative_to(building).as_posix(): database_sha256}


def _switch(link: Path, target: Path) -> None:
    """Point `link` at `target` with one rename, the only atomic replacement a directory reference has."""
    fresh = link.with_name(f".{link.name}.next")
    if fresh.is_symlink() or fresh.exists():
        fresh.unlink()
    fresh.symlink_to(os.path.relpath(target, link.parent), target_is_directory=True)
    fresh.replace(link)


def _prune(paths: Paths) -> None:
    current = paths.published.resolve()
    releases = sorted(
        (p for p in paths.releases.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in releases[keep_releases() :]:
        if old != current:
            shutil.rmtree(old, ignore_errors=True)


def verify_published(paths: Paths) -> list[str]:
    """Files of the published release whose checksum differs from its manifest (empty: intact)."""
    release = current_release(paths)
    if release is None:
        return []
    actual = file_checksums(release.folder)
    return sorted(
        set(k for k in release.files if actual.get(k) != release.files[k]) | (set(actual) - set(release.files))
    )
