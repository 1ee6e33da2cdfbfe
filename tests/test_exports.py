"""Exports of the published tables after a real refresh: CSV, Parquet and an XLSX a reviewer can open."""

from __future__ import annotations

import csv

import duckdb
import pytest
from openpyxl import load_workbook

from clusterscore.exports import PUBLISHED_TABLES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(refreshed):
    """The exports of the shared refresh, from its own release folder: `published/` may point at a later run's."""
    paths, outcome = refreshed
    assert outcome.export_folder is not None, outcome.render()
    return paths, paths.releases / outcome.run_id / "exports" / outcome.run_id, outcome.run_id


def expected_rows(con, table: str, run_id: str) -> int:
    where = " where run_id = ?" if PUBLISHED_TABLES[table] else ""
    params = [run_id] if PUBLISHED_TABLES[table] else []
    return con.execute(f"select count(*) from marts.{table}{where}", params).fetchone()[0]


def test_csv_and_parquet_hold_the_runs_rows(exported):
    paths, folder, run_id = exported
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        for table in PUBLISHED_TABLES:
            expected = expected_rows(con, table, run_id)
            with (folder / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
                assert sum(1 for _ in csv.DictReader(handle)) == expected, table
            (parquet_rows,) = con.execute(
                f"select count(*) from read_parquet('{folder / f'{table}.parquet'}')"
            ).fetchone()
            assert parquet_rows == expected, table


def test_workbook_has_a_sheet_per_table_and_explains_the_columns(exported):
    paths, folder, run_id = exported
    book = load_workbook(folder / f"clusterscore_{run_id}.xlsx", read_only=True)
    assert set(PUBLISHED_TABLES) | {"about", "columns"} == set(book.sheetnames)
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        scorecard_rows = list(book["scorecard"].iter_rows(values_only=True))
        assert len(scorecard_rows) - 1 == expected_rows(con, "scorecard", run_id)
        header = scorecard_rows[0]
        level = header.index("readiness_level")
        assert {row[level] for row in scorecard_rows[1:]} <= {
            "Gold",
            "Silver",
            "Bronze",
            "None",
            "Not eligible",
            "Insufficient data",
        }
    docs = {(t, c): d for t, c, _, d in list(book["columns"].iter_rows(values_only=True))[1:]}
    assert docs[("scorecard", "readiness_level")].startswith("Gold, Silver")
    assert all(docs[("scorecard", name)] for name in header)
    about = dict(row[:2] for row in book["about"].iter_rows(values_only=True) if len(row) > 1 and row[1])
    assert about["run id"] == run_id
    for sheet in book.worksheets:  # header rows in bold, the rows below not
        rows = sheet.iter_rows(max_row=2)
        header, first = next(rows), next(rows, ())
        assert sheet.title == "about" or all(cell.font.b for cell in header)
        assert not any(cell.font and cell.font.b for cell in first)


def _cells(path) -> dict[str, list[tuple]]:
    workbook = load_workbook(path, read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def test_the_workbook_written_apart_is_the_one_written_here(exported, tmp_path):
    """Publishing writes the workbook in a process of its own (clusterscore/workbook.py): the same sheets and
    cells as written in the process that read the rows."""
    from clusterscore.exports import export_files
    from clusterscore.workbook import WorkbookProcess, write_workbook

    paths, _, run_id = exported
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        _, rows = export_files(con, tmp_path, run_id)
    here = write_workbook(tmp_path / "here.xlsx", rows)
    with WorkbookProcess() as process:
        apart = process.write(tmp_path / "apart.xlsx", rows)
    assert apart == tmp_path / "apart.xlsx"
    assert _cells(apart) == _cells(here)
    assert len(_cells(apart)["scorecard"]) > 1


def test_a_workbook_that_cannot_be_written_apart_says_why(tmp_path):
    from clusterscore.workbook import WorkbookProcess, WorkbookRows

    with (
        WorkbookProcess() as process,
        pytest.raises(RuntimeError, match=r"(?s)workbook x.xlsx was not written.*no-such"),
    ):
        process.write(tmp_path / "no-such-folder" / "x.xlsx", WorkbookRows([["about"]]))


def test_a_workbook_process_given_no_rows_is_stopped():
    from clusterscore.workbook import WorkbookProcess

    with WorkbookProcess() as process:
        pass  # publishing failed before the rows were read
    assert process._process.returncode is not None
