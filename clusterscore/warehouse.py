"""Connections to the DuckDB file. DuckDB allows one writing process: every step opens, works and closes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from clusterscore.settings import duckdb_memory_limit, get_paths


def sql_literal(text: str) -> str:
    """`text` as an SQL string literal, for the statements DuckDB takes no parameters in (DDL, COMMENT ON)."""
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def connect(path: str | Path | None = None, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    target = Path(path) if path else get_paths().candidate
    target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target), read_only=read_only)
    con.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
    try:
        yield con
    finally:
        con.close()


def release_dbt_duckdb_connections() -> None:
    """Close the DuckDB connection dbt-duckdb caches in this process.

    dagster-dbt reads row counts through the dbt adapter inside this process; dbt-duckdb then keeps that
    connection open (`DuckDBConnectionManager._ENV`), and any later connection to the same file with another
    configuration fails. The attribute is private: tests/test_warehouse.py covers that this still works.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # dbt-duckdb not installed: nothing cached
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager.close_all_connections()  # forgets the environment but leaves it open
        if env is not None:
            env.close()
