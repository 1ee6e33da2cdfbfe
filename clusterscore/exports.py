"""Exports of one run's published tables: CSV and Parquet (written by DuckDB) and an XLSX workbook (openpyxl)
for reviewers who work in spreadsheets, with a sheet that explains every column."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

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


def latest_run_id(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("select run_id from marts.scorecard order by computed_at desc limit 1").fetchone()
    if row is None:
        raise LookupError("marts.scorecard has no rows: run a refresh first")
    return row[0]


def _select(table: str, per_run: bool, run_id: str) -> str:
    where = f" where run_id = '{run_id}'" if per_run else ""
    return f"select * from marts.{table}{where}"  # run_id is checked against RUN_ID before it gets here


def _excel_value(value):
    """openpyxl stores neither lists nor time-zone-aware datetimes: lists become comma-separated text, and the
    published timestamps are UTC."""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


@dataclass
class WorkbookRows:
    """What a run's workbook shows, read from the database: the about sheet, each table's header and rows, and the
    columns sheet."""

    about: list[list]
    tables: dict[str, tuple[list[str], list[tuple]]] = field(default_factory=dict)
    column_docs: list[tuple] = field(default_factory=list)


def export_run(database: Path, out_root: Path, run_id: str | None = None) -> ExportResult:
    """Write one run's published tables under out_root/<run_id>/ and return what was written."""
    with duckdb.connect(str(database), read_only=True) as con:
        result, rows = export_files(con, out_root, run_id)
    write_workbook(result, rows)
    return result


def export_files(
    con: duckdb.DuckDBPyConnection, out_root: Path, run_id: str | None
) -> tuple[ExportResult, WorkbookRows]:
    """The DuckDB part of `export_run`: the CSV and Parquet files, and the rows the workbook shows. Publishing
    writes the workbook (openpyxl: Python) on a thread, beside its other work, once the database is free."""
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


def write_workbook(result: ExportResult, rows: WorkbookRows) -> Path:
    """The XLSX workbook of `export_files`' rows, beside its files: a sheet per table, the about and columns
    sheets."""
    workbook = Workbook(write_only=True)
    about = workbook.create_sheet("about")
    for line in rows.about:
        about.append(line)
    for table, (names, values) in rows.tables.items():
        sheet = workbook.create_sheet(table[:31])
        sheet.append(_header(sheet, names))
        for row in values:
            sheet.append([_excel_value(v) for v in row])
    columns = workbook.create_sheet("columns")
    columns.append(_header(columns, ["table", "column", "type", "what it means"]))
    for line in rows.column_docs:
        columns.append(list(line))
    target = result.folder / f"clusterscore_{result.run_id}.xlsx"
    workbook.save(target)
    result.files.append(target)
    return target


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
        ["computed at (UTC)", _excel_value(computed_at)],
        ["sheets", "one per published table; 'columns' explains every column"],
    ]
    if synthetic:
        rows.append(["NOTE", "Synthetic sample: fictional organisations, never a real organisation's result."])
    return rows


def _header(sheet, names: list[str]) -> list[WriteOnlyCell]:
    """A header row in bold: a streamed (write-only) sheet takes styled cells only as WriteOnlyCell."""
    cells = [WriteOnlyCell(sheet, value=name) for name in names]
    for cell in cells:
        cell.font = BOLD
    return cells


BOLD = Font(bold=True)
