"""Exports of one run's published tables: CSV and Parquet (written by DuckDB) and an XLSX workbook
(clusterscore/workbook.py) for reviewers who work in spreadsheets, with a sheet that explains every column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from clusterscore.workbook import WorkbookRows, excel_value, write_workbook

# Published table -> whether it holds one row set per run (filtered to the run) or is current-state only.
PUBLISHED_TABLES: dict[str, bool] = {
    "scorecard": True,
    "fct_category_score": True,
    "fct_indicator_value": True,
    "fct_claim_discrepancy": True,
    "dim_cluster_organisation": False,
}
RUN_ID = re.compile(r"^[A-Za-z0-9_.:-]+$")


@dataclass
class ExportResult:
    run_id: str
    folder: Path
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def workbook(self) -> Path:
        return next(f for f in self.files if f.suffix == ".xlsx")


def workbook_path(result: ExportResult) -> Path:
    return result.folder / f"clusterscore_{result.run_id}.xlsx"


def latest_run_id(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("select run_id from marts.scorecard order by computed_at desc limit 1").fetchone()
    if row is None:
        raise LookupError("marts.scorecard has no rows: run a refresh first")
    return row[0]


def _select(table: str, per_run: bool, run_id: str) -> str:
    where = f" where run_id = '{run_id}'" if per_run else ""
    return f"select * from marts.{table}{where}"  # run_id is checked against RUN_ID before it gets here


def export_run(database: Path, out_root: Path, run_id: str | None = None) -> ExportResult:
    """Write one run's published tables under out_root/<run_id>/ and return what was written."""
    with duckdb.connect(str(database), read_only=True) as con:
        result, rows = export_files(con, out_root, run_id)
    result.files.append(write_workbook(workbook_path(result), rows))
    return result


def export_files(
    con: duckdb.DuckDBPyConnection, out_root: Path, run_id: str | None
) -> tuple[ExportResult, WorkbookRows]:
    """The DuckDB part of `export_run`: the CSV and Parquet files, and the rows the workbook shows. Publishing
    writes the workbook in a process of its own (clusterscore/workbook.py), beside its other work."""
    run_id = run_id or latest_run_id(con)
    if not RUN_ID.match(run_id):
        raise ValueError(f"not a run id: {run_id!r}")
    folder = out_root / run_id
    folder.mkdir(parents=True, exist_ok=True)
    result = ExportResult(run_id, folder)
    rows = WorkbookRows(_about_rows(con, run_id))
    for table, per_run in PUBLISHED_TABLES.items():
        query = _select(table, per_run, run_id)
        for suffix, options in (("csv", "format csv, header true"), ("parquet", "format parquet")):
            target = folder / f"{table}.{suffix}"
            con.execute(f"copy ({query}) to '{target}' ({options})")
            result.files.append(target)
        cursor = con.execute(query)
        rows.tables[table] = ([d[0] for d in cursor.description], cursor.fetchall())
        result.rows[table] = len(rows.tables[table][1])
        rows.column_docs += con.execute(
            """
            select table_name, column_name, data_type, coalesce(comment, '')
            from duckdb_columns() where schema_name = 'marts' and table_name = ?
            order by column_index
            """,
            [table],
        ).fetchall()
    return result, rows


def _about_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[list]:
    version, as_of, computed_at, synthetic = con.execute(
        "select any_value(rulebook_version), any_value(as_of_date), max(computed_at), bool_or(is_synthetic) "
        "from marts.scorecard where run_id = ?",
        [run_id],
    ).fetchone()
    rows = [
        ["clusterscore export"],
        ["run id", run_id],
        ["rulebook version", version],
        ["scores as of", as_of],
        ["computed at (UTC)", excel_value(computed_at)],
        ["sheets", "one per published table; 'columns' explains every column"],
    ]
    if synthetic:
        rows.append(["NOTE", "Synthetic sample: fictional organisations, never a real organisation's result."])
    return rows
