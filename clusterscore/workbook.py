"""The exports' XLSX workbook (openpyxl, writing its XML with lxml): a sheet per published table, an about sheet and
a sheet that explains every column, from rows read beforehand (clusterscore/exports.py: `export_files`).

Publishing writes it in a process of its own, started ahead (`WorkbookProcess`): openpyxl is all Python (national:
~0.7 s of CPU), and on a thread of publishing it held Python's lock against the site's pages and the statements of
the raw versions beside it. Started when publishing starts, the process has imported openpyxl by the time the rows
are read, and gets them pickled. This module imports openpyxl and the standard library only, so the process starts
at once."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

BOLD = Font(bold=True)


@dataclass
class WorkbookRows:
    """What a run's workbook shows, read from the database: the about sheet, each table's header and rows, and the
    columns sheet."""

    about: list[list]
    tables: dict[str, tuple[list[str], list[tuple]]] = field(default_factory=dict)
    column_docs: list[tuple] = field(default_factory=list)


def excel_value(value):
    """openpyxl stores neither lists nor time-zone-aware datetimes: lists become comma-separated text, and the
    published timestamps are UTC."""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def write_workbook(target: Path, rows: WorkbookRows) -> Path:
    """The workbook of `rows` at `target`: a sheet per table, the about and columns sheets."""
    workbook = Workbook(write_only=True)
    about = workbook.create_sheet("about")
    for line in rows.about:
        about.append(line)
    for table, (names, values) in rows.tables.items():
        sheet = workbook.create_sheet(table[:31])
        sheet.append(_header(sheet, names))
        for row in values:
            sheet.append([excel_value(v) for v in row])
    columns = workbook.create_sheet("columns")
    columns.append(_header(columns, ["table", "column", "type", "what it means"]))
    for line in rows.column_docs:
        columns.append(list(line))
    workbook.save(target)
    return target


def _header(sheet, names: list[str]) -> list[WriteOnlyCell]:
    """A header row in bold: a streamed (write-only) sheet takes styled cells only as WriteOnlyCell."""
    cells = [WriteOnlyCell(sheet, value=name) for name in names]
    for cell in cells:
        cell.font = BOLD
    return cells


class WorkbookProcess:
    """`write_workbook` in a Python process of its own, started now; `write` hands it the rows, once. Used as a
    context manager: a process not given its rows (publishing failed before) is stopped at the end."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "clusterscore.workbook"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def write(self, target: Path, rows: WorkbookRows) -> Path:
        """The workbook of `rows` at `target`; raises with the process's error output if it was not written."""
        _, err = self._process.communicate(pickle.dumps((target, rows)))
        if self._process.returncode != 0:
            raise RuntimeError(
                f"the workbook {target.name} was not written (its process exited with {self._process.returncode}):\n"
                + err.decode(errors="replace")[-4000:]
            )
        return target

    def __enter__(self) -> WorkbookProcess:
        return self

    def __exit__(self, *_exc) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.communicate()


if __name__ == "__main__":  # a `WorkbookProcess`: the target and rows pickled on standard input
    write_workbook(*pickle.load(sys.stdin.buffer))
