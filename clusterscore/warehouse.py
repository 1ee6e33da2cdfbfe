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
def connect(
    path: str | Path | None = None, read_only: bool = False, row_group_size: int | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the file at `path` (the candidate by default). With `row_group_size`, the file is attached
    with that row group size (an option of DuckDB's `attach` only) under its own name and used as the default
    database: DuckDB's checkpoints merge row groups smaller than the size a file is open with, so a file written
    in small row groups must be opened so whenever it is written, or its next checkpoint rewrites those tables."""
    target = Path(path) if path else get_paths().candidate
    target.parent.mkdir(parents=True, exist_ok=True)
    if row_group_size is None:
        con = duckdb.connect(str(target), read_only=read_only)
    else:
        con = duckdb.connect()
        options = f"row_group_size {row_group_size}" + (", read_only" if read_only else "")
        con.execute(f'attach {sql_literal(str(target))} as "{target.stem}" ({options})')
        con.execute(f'use "{target.stem}"')
    con.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
    try:
        yield con
    finally:
        con.close()
