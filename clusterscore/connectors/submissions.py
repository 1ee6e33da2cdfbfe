"""Cluster submissions: a folder with one file per organisation and year, converted to JSON lines.

Accepted files (any sub-folder; hidden files and Office lock files `~$...` are skipped):
- XLSX: the workbook `clusterscore template` writes: sheet Submission (field names in column A, values in
  column B) and one sheet per section (Members, Board, Funding, Projects, Project participants, Engagement,
  Events), header row first, any column order.
- CSV: the same sheets as blocks in one file: a line `[members]` starts a block, the next line is its header, the
  lines after it its rows (comma or semicolon separated, UTF-8). `[submission]` holds `field,value` rows.
- YAML: the record itself, as in docs/sample-data.md (sections are lists of mappings; a project's participants
  a list inside it).

Each file becomes one line in the layout of sample/clusters/submissions.jsonl.gz, plus where every value came
from: `source_file`, `source_ref` on the header and on every line ("submissions/nordlys-2026.xlsx, sheet Members,
row 7"), and `source_columns` (field -> column) in the header. The landing rules then quarantine a bad line with
the file, sheet, row and column in the quarantine's `field` (see clusterscore/sources/located.py), e.g.
"submissions/nordlys-2026.xlsx, sheet Members, row 7, column A (member_cvr)": "CVR number must be 8 digits, got
'5333421'". Bad cells are never dropped or repaired: the value is kept as written (`submission_layout.convert`
reads only unambiguous forms), so one bad cell quarantines its own line and every other line and file lands.
A file that cannot be read at all becomes a line with `source_error`, quarantined with the reason. Unknown
columns and sheets are ignored and listed in the details as warnings.

A section whose sheet is missing or has no rows is "not reported"; NONE in its first cell reports it as empty.
"""

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from clusterscore.connectors.submission_layout import (
    EXAMPLE_MARK,
    HEADER,
    NONE_MARK,
    NOTE_COLUMN,
    SHEETS,
    TABLES,
    Sheet,
    convert,
    sheet_key,
)
from clusterscore.sources.clusters import SECTIONS

SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".yaml": "yaml", ".yml": "yaml"}
_BY_KEY = {sheet_key(sheet.title): sheet for sheet in (HEADER, *TABLES)} | {
    sheet_key(sheet.section): sheet for sheet in (HEADER, *TABLES)
}


class Unreadable(ValueError):
    """The file as a whole cannot be converted; the message says why."""


@dataclass
class Table:
    """One sheet or CSV block: where it is, its header positions, and its rows as (row ref, {field: cell})."""

    sheet: Sheet
    where: str  # "sheet Members" / "section members"
    columns: dict[str, str] = field(default_factory=dict)  # field -> "column B"
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    reported_empty: bool = False


@dataclass
class Converted:
    record: dict
    warnings: list[str]


def _table(sheet: Sheet, where: str, file_ref: str, numbered_rows: list[tuple[str, list[Any]]], notes: list[str]):
    """Header and rows of one sheet/block from its (row label, cells) pairs, empty rows already left out."""
    table = Table(sheet, where)
    if not numbered_rows:
        return table
    _, header = numbered_rows[0]
    key_value = sheet is HEADER  # field names down column A, values in column B, then example and help text
    positions: dict[int, str] = {}
    for index, cell in enumerate(header):
        name = sheet_key(str(cell)) if cell is not None and str(cell).strip() else ""
        if not name:
            continue
        known = name in ("field", "value") if key_value else (sheet.column(name) or name == NOTE_COLUMN)
        if known:
            positions[index] = name
            table.columns.setdefault(name, f"column {get_column_letter(index + 1)}")
        elif not key_value:
            letter = get_column_letter(index + 1)
            notes.append(f"{file_ref}, {where}: column {letter} {cell!r} is not a known field; ignored")
    if key_value and not {"field", "value"} <= set(positions.values()):
        raise Unreadable(f"{where}: the header row must name the columns field and value, found {header!r}")
    for label, cells in numbered_rows[1:]:
        values = {positions[i]: cell for i, cell in enumerate(cells) if i in positions}
        if str(values.get(NOTE_COLUMN) or "").strip().upper().startswith(EXAMPLE_MARK):
            changed = [
                name
                for name, value in values.items()
                if name != NOTE_COLUMN
                and convert(sheet.column(name), value) != convert(sheet.column(name), sheet.column(name).example)
            ]
            if changed:
                notes.append(
                    f"{file_ref}, {where}, {label}: marked {EXAMPLE_MARK} in column note, so not read, but its "
                    f"{', '.join(changed)} differ from the example; clear the note to use the row"
                )
            continue
        if not table.rows and str(cells[0] if cells else "").strip().upper() == NONE_MARK:
            table.reported_empty = True  # the first row after the example says: none this year
            return table
        values.pop(NOTE_COLUMN, None)
        table.rows.append((f"{file_ref}, {where}, {label}", values))
    return table


def _blank(cells: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def read_xlsx(path: Path, file_ref: str, notes: list[str]) -> dict[str, Table]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about data-validation extensions it does not read
            workbook = load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise Unreadable(f"cannot read the workbook: {type(exc).__name__}: {exc}") from exc
    tables = {}
    for worksheet in workbook.worksheets:
        sheet = _BY_KEY.get(sheet_key(worksheet.title))
        if sheet is None:
            if sheet_key(worksheet.title) not in ("instructions", "lists"):
                notes.append(f"{file_ref}: sheet {worksheet.title!r} is not a known section; ignored")
            continue
        rows = [
            (f"row {number}", list(cells))
            for number, cells in enumerate(worksheet.iter_rows(min_row=1, min_col=1, values_only=True), start=1)
            if not _blank(list(cells))
        ]
        tables[sheet.section] = _table(sheet, f"sheet {worksheet.title}", file_ref, rows, notes)
    return tables


def read_csv(path: Path, file_ref: str, notes: list[str]) -> dict[str, Table]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text: {exc}") from exc
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    blocks: dict[str, tuple[Sheet, list]] = {}
    current = None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for cells in reader:
        line = reader.line_num
        if _blank(cells):
            continue
        marker = re.fullmatch(r"\[(.+)\]", cells[0].strip()) if cells and _blank(cells[1:]) else None
        if marker:
            sheet = _BY_KEY.get(sheet_key(marker[1]))
            if sheet is None:
                notes.append(f"{file_ref}, line {line}: section [{marker[1]}] is not known; its lines are ignored")
                current = None
            else:
                current = blocks.setdefault(sheet.section, (sheet, []))
            continue
        if current is None:
            if not blocks:
                raise Unreadable(f"line {line}: expected a section line such as [submission] first")
            continue
        current[1].append((f"line {line}", cells))
    return {
        section: _table(sheet, f"section {section}", file_ref, rows, notes) for section, (sheet, rows) in blocks.items()
    }


def _header_from_table(table: Table | None, file_ref: str, notes: list[str]) -> tuple[dict, dict]:
    """The key/value Submission sheet as (values, field -> "row 3, column B")."""
    if table is None:
        raise Unreadable("there is no Submission sheet (or [submission] block) with the organisation's CVR and year")
    values, positions = {}, {}
    # In the key/value sheet the "columns" are the header (field, value, ...): rebuild from the raw rows.
    for ref, row in table.rows:
        name = row.get("field")
        if name is None:
            continue
        key = sheet_key(str(name))
        column = HEADER.column(key)
        if column is None:
            notes.append(f"{ref}: {name!r} is not a known submission field; ignored")
            continue
        values[key] = convert(column, row.get("value"))
        label = ref.rsplit(", ", 1)[-1]
        positions[key] = f"{label}, {table.columns.get('value', 'column B')}"
    return values, positions


def convert_tables(tables: dict[str, Table], file_ref: str, notes: list[str]) -> dict:
    header_table = tables.get("submission")
    values, header_positions = _header_from_table(header_table, file_ref, notes)
    record: dict[str, Any] = {**values, "source_file": file_ref, "source_ref": f"{file_ref}, {header_table.where}"}
    columns: dict[str, dict[str, str]] = {"submission": header_positions}
    participants: dict[str, list[tuple[str, dict]]] = {}
    if (table := tables.get("project_participants")) is not None:
        columns["project_participants"] = table.columns
        for ref, row in table.rows:
            line = {name: convert(table.sheet.column(name), value) for name, value in row.items()}
            participants.setdefault(str(line.get("project_id") or ""), []).append((ref, line))
    for sheet in TABLES:
        if sheet.section == "project_participants" or (table := tables.get(sheet.section)) is None:
            continue
        if not table.rows and not table.reported_empty:
            continue  # an empty sheet: the section is not reported
        columns[sheet.section] = table.columns
        lines = []
        for ref, row in table.rows:
            line = {name: convert(sheet.column(name), value) for name, value in row.items()}
            if sheet.section == "projects":
                mine = participants.pop(str(line.get("project_id") or ""), [])
                line["participants"] = [{k: v for k, v in p.items() if k != "project_id"} for _, p in mine]
                line["participant_refs"] = [r for r, _ in mine]
            line["source_ref"] = ref
            lines.append(line)
        record[sheet.section] = lines
    for project_id, orphans in participants.items():  # participants of a project the Projects sheet lacks
        for ref, line in orphans:
            reason = (
                f"project_id {project_id!r} is not on the Projects sheet"
                if project_id
                else "project_id is empty: every participant belongs to a project"
            )
            record.setdefault("projects", []).append({**line, "source_ref": ref, "source_error": reason})
    record["source_columns"] = columns
    return record


def _yaml_lines(text: str) -> dict:
    """Line numbers of the YAML file's sections, items and header fields (for locations)."""
    node = yaml.compose(text)
    where: dict = {"header": {}, "items": {}, "participants": {}}
    if not isinstance(node, yaml.MappingNode):
        return where
    for key_node, value_node in node.value:
        key = key_node.value
        where["header"][key] = f"line {value_node.start_mark.line + 1}"
        if isinstance(value_node, yaml.SequenceNode):
            where["items"][key] = [item.start_mark.line + 1 for item in value_node.value]
            if key == "projects":
                for index, item in enumerate(value_node.value):
                    if isinstance(item, yaml.MappingNode):
                        for k, v in item.value:
                            if k.value == "participants" and isinstance(v, yaml.SequenceNode):
                                where["participants"][index] = [p.start_mark.line + 1 for p in v.value]
    return where


def read_yaml(path: Path, file_ref: str, notes: list[str]) -> dict:
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = yaml.safe_load(text)
        lines = _yaml_lines(text)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise Unreadable(f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise Unreadable(f"expected a mapping with organisation_cvr, year and the sections, got {type(data).__name__}")
    record: dict[str, Any] = {}
    for key, value in data.items():
        sheet = SHEETS.get(key) if key in SECTIONS else None
        if sheet is None:
            column = HEADER.column(key)
            if column is None and key != "synthetic":
                notes.append(f"{file_ref}: {key!r} is not a known submission field; kept as written")
            record[key] = convert(column, value) if column else value
            continue
        if not isinstance(value, list):
            record[key] = value  # the landing rule says the section must be a list
            continue
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                items.append(item)
                continue
            line = {k: convert(sheet.column(k), v) if k != "participants" else v for k, v in item.items()}
            numbers = lines["items"].get(key, [])
            line["source_ref"] = f"{file_ref}, line {numbers[index]}" if index < len(numbers) else file_ref
            if key == "projects" and isinstance(line.get("participants"), list):
                people = SHEETS["project_participants"]
                line["participants"] = [
                    {k: convert(people.column(k), v) for k, v in p.items()} if isinstance(p, dict) else p
                    for p in line["participants"]
                ]
                rows = lines["participants"].get(index, [])
                line["participant_refs"] = [f"{file_ref}, line {n}" for n in rows]
            items.append(line)
        record[key] = items
    record["source_file"] = file_ref
    record["source_ref"] = file_ref
    record["source_columns"] = {"submission": {k: v for k, v in lines["header"].items() if HEADER.column(k)}}
    return record


def convert_file(path: Path, file_ref: str) -> Converted:
    """One file as one submission record; a file that cannot be read becomes a record with `source_error`."""
    notes: list[str] = []
    kind = SUFFIXES.get(path.suffix.lower())
    try:
        if kind == "xlsx":
            record = convert_tables(read_xlsx(path, file_ref, notes), file_ref, notes)
        elif kind == "csv":
            record = convert_tables(read_csv(path, file_ref, notes), file_ref, notes)
        elif kind == "yaml":
            record = read_yaml(path, file_ref, notes)
        else:
            raise Unreadable(f"unknown file type {path.suffix!r}: use .xlsx, .csv or .yaml")
    except Unreadable as exc:
        record = {"source_file": file_ref, "source_ref": file_ref, "source_error": str(exc)}
    return Converted(record, notes)


def submission_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and not path.name.startswith("~$")
        and path.suffix.lower() in SUFFIXES
    )


def convert_folder(folder: Path) -> tuple[list[dict], dict]:
    """Every submission file of `folder`, converted; details list files, warnings and duplicates."""
    if not folder.is_dir():
        raise FileNotFoundError(f"submissions folder {folder} does not exist")
    records, files, notes, seen = [], [], [], {}
    others = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() not in SUFFIXES and not p.name.startswith(".")
    )
    for path in submission_files(folder):
        file_ref = f"{folder.name}/{path.relative_to(folder).as_posix()}"
        converted = convert_file(path, file_ref)
        record = converted.record
        notes.extend(converted.warnings)
        key = (record.get("organisation_cvr"), record.get("year"))
        if "source_error" not in record and key in seen:
            notes.append(f"{file_ref}: organisation {key[0]} year {key[1]} also in {seen[key]}; one is quarantined")
        seen.setdefault(key, file_ref)
        files.append(
            {
                "file": file_ref,
                "organisation_cvr": record.get("organisation_cvr"),
                "year": record.get("year"),
                "error": record.get("source_error"),
                "lines": {s: len(v) for s, v in record.items() if isinstance(v, list)},
            }
        )
        records.append(record)
    return records, {"files": files, "warnings": notes, "ignored_files": others}
