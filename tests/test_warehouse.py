"""Connections to DuckDB files (clusterscore/warehouse.py), on real DuckDB files."""

from __future__ import annotations

import duckdb

from clusterscore.warehouse import connect

ROWS = 40_000  # three row groups of 16,384; one of DuckDB's default 122,880


def row_groups(path, table: str = "t") -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select count(distinct row_group_id) from pragma_storage_info('{table}')").fetchone()[0]


def small_groups_file(path):
    with duckdb.connect() as con:
        con.execute(f"attach '{path}' as f (row_group_size 16384)")
        con.execute(f"create table f.t as select range as n, md5(range::varchar) as text from range({ROWS})")
    assert row_groups(path) == 3


def test_a_file_written_in_small_row_groups_keeps_them_when_opened_with_that_size(tmp_path):
    """The release's raw versions are written in row groups of 16,384 (clusterscore/publish.py), and every later
    write opens the file with that size: a change elsewhere in the file and its checkpoint leave them as they are."""
    path = tmp_path / "release.duckdb"
    small_groups_file(path)
    with connect(path, row_group_size=16_384) as con:
        assert con.execute("select current_database()").fetchone()[0] == "release"  # the file's own name
        con.execute("create table other as select 1 as x")
        con.execute("checkpoint")
        assert con.execute("select count(*) from t").fetchone()[0] == ROWS
    assert row_groups(path) == 3


def test_opened_in_the_default_size_a_checkpoint_merges_small_row_groups(tmp_path):
    """Why the size must be given: under DuckDB's default, the first checkpoint after any change rewrites the
    small row groups into one (the national release: ~180 MB written again, 4-5 s)."""
    path = tmp_path / "release.duckdb"
    small_groups_file(path)
    with connect(path) as con:
        con.execute("create table other as select 1 as x")
        con.execute("checkpoint")
    assert row_groups(path) == 1
