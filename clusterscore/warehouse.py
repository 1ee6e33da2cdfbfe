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


def table_type(con: duckdb.DuckDBPyConnection, qualified: str) -> str | None:
    """'BASE TABLE', 'VIEW', or None when `schema.name` is not in the connection's own database."""
    schema, name = qualified.split(".")
    row = con.execute(
        "select table_type from information_schema.tables where table_catalog = current_database() "
        "and table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return row[0] if row else None


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
