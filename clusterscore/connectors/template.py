"""`clusterscore template OUT.xlsx`: the workbook a cluster organisation fills in for one year.

The sheets and columns are `submission_layout`'s, so what the template asks for is exactly what the converter
reads and the landing rules check. Excel's data validation catches most mistakes while typing (value lists,
whole numbers, decimals, dates, 8-digit CVR numbers); the rest (the CVR modulus-11 check, exactly one of a CVR
number and a foreign id) is checked when the file is loaded, and reported with its sheet, row and column.
"""

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from clusterscore.connectors.submission_layout import (
    EXAMPLE_MARK,
    HEADER,
    NONE_MARK,
    NOTE_COLUMN,
    TABLES,
    Column,
)

LAST_ROW = 2000  # data validation reaches this row
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
EXAMPLE_FONT = Font(italic=True, color="808080")
DATE_FORMAT = "yyyy-mm-dd"

INSTRUCTIONS = [
    "Cluster submission: one workbook per organisation and year",
    "",
    "1. Fill in the sheet Submission: your organisation's CVR number and the year this file reports on are "
    "required; the other fields as far as you know them.",
    "2. Fill in one row per line on the other sheets. Row 2 of each sheet is an example (grey, marked EXAMPLE in the "
    "column note): it is never read while the mark is there; leave it or delete it. Start your own rows in row 3.",
    "3. A sheet left empty means you do not report that section (it counts as missing data, not as zero). If you "
    f"had none (e.g. no projects this year), type {NONE_MARK} in the first cell of row 3.",
    "4. Dates as YYYY-MM-DD (or a date cell). Amounts in whole DKK, no thousands separators in text cells.",
    "5. CVR numbers: 8 digits. A party abroad gets no CVR number but a foreign_id (country code and registry number, "
    "e.g. DE:HRB12345). Give exactly one of the two.",
    "6. Value lists (drop-downs) are on the hidden sheet Lists; typing another value is refused.",
    "7. Save the file as <organisation>-<year>.xlsx in the submissions folder. To check it before the nightly run: "
    "clusterscore submissions-check <folder>. A bad cell is reported with its sheet, row and column; only that "
    "line is held back, the rest of the file is loaded.",
    "",
    "Columns (sheet, column, required, what it is, allowed values):",
]


def _validation(column: Column, lists: dict[str, str]) -> DataValidation | None:
    kwargs = {"allow_blank": True, "showErrorMessage": True, "showInputMessage": True}
    prompt = column.help[:250]
    if column.kind == "choice":
        rule = DataValidation(type="list", formula1=lists[column.field], **kwargs)
        error = "Choose a value from the list."
    elif column.kind == "cvr":
        rule = DataValidation(type="whole", operator="between", formula1="10000000", formula2="99999999", **kwargs)
        error = "A CVR number has 8 digits (the modulus-11 check runs when the file is loaded)."
    elif column.kind == "int":
        low = int(column.minimum) if column.minimum is not None else 0
        if column.maximum is not None:
            rule = DataValidation(
                type="whole", operator="between", formula1=str(low), formula2=str(int(column.maximum)), **kwargs
            )
        else:
            rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(low), **kwargs)
        error = f"A whole number, at least {low}" + (f" and at most {int(column.maximum)}." if column.maximum else ".")
    elif column.kind in ("number", "percent"):
        low = column.minimum if column.minimum is not None else 0
        if column.maximum is not None:
            rule = DataValidation(
                type="decimal", operator="between", formula1=str(low), formula2=str(column.maximum), **kwargs
            )
        else:
            rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=str(low), **kwargs)
        error = f"A number, at least {low:g}" + (f" and at most {column.maximum:g}." if column.maximum else ".")
    elif column.kind == "date":
        rule = DataValidation(
            type="date", operator="between", formula1="DATE(1900,1,1)", formula2="DATE(2100,12,31)", **kwargs
        )
        error = "A date (YYYY-MM-DD)."
    elif column.kind == "country":
        rule = DataValidation(type="textLength", operator="equal", formula1="2", **kwargs)
        error = "A two-letter country code, e.g. DK."
    elif column.kind == "bool":
        rule = DataValidation(type="list", formula1='"yes,no"', **kwargs)
        error = "yes or no."
    else:
        return None
    rule.errorTitle, rule.error = f"Invalid {column.field}"[:32], error
    rule.promptTitle, rule.prompt = column.field[:32], prompt
    return rule


def _lists_sheet(workbook: Workbook) -> dict[str, str]:
    """A hidden sheet with one column per value list; returns field -> absolute range for list validation."""
    sheet = workbook.create_sheet("Lists")
    ranges: dict[str, str] = {}
    index = 0
    for layout in (HEADER, *TABLES):
        for column in layout.columns:
            if column.kind != "choice" or column.field in ranges:
                continue
            index += 1
            letter = get_column_letter(index)
            sheet.cell(row=1, column=index, value=column.field).font = Font(bold=True)
            for row, choice in enumerate(column.choices, start=2):
                sheet.cell(row=row, column=index, value=choice)
            last = len(column.choices) + 1
            ranges[column.field] = f"{quote_sheetname('Lists')}!${letter}$2:${letter}${last}"
    sheet.sheet_state = "hidden"
    return ranges


def write_template(path: Path) -> Path:
    """Write the template workbook to `path` (its folder is created)."""
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = "Instructions"
    lists = _lists_sheet(workbook)

    # Submission: a key/value sheet.
    header_sheet = workbook.create_sheet("Submission", 1)
    for col, title in enumerate(("field", "value", "example", "what it is"), start=1):
        cell = header_sheet.cell(row=1, column=col, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row, column in enumerate(HEADER.columns, start=2):
        header_sheet.cell(row=row, column=1, value=column.field).font = Font(bold=column.required)
        example = header_sheet.cell(row=row, column=3, value=column.example)
        example.font = EXAMPLE_FONT
        if column.kind == "date":
            example.number_format = header_sheet.cell(row=row, column=2).number_format = DATE_FORMAT
        header_sheet.cell(row=row, column=4, value=("required. " if column.required else "") + column.help)
        rule = _validation(column, lists)
        if rule is not None:
            header_sheet.add_data_validation(rule)
            rule.add(f"B{row}")
    for letter, width in zip("ABCD", (26, 24, 28, 80), strict=True):
        header_sheet.column_dimensions[letter].width = width
    header_sheet.freeze_panes = "A2"

    # One sheet per section: header row, an example row, validation down to LAST_ROW.
    for position, layout in enumerate(TABLES, start=2):
        sheet = workbook.create_sheet(layout.title, position)
        columns = [*layout.columns, Column(NOTE_COLUMN, "text", "Free text; the converter ignores it.")]
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            cell = sheet.cell(row=1, column=index, value=column.field)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.comment = Comment(("Required. " if column.required else "") + column.help, "clusterscore")
            sheet.column_dimensions[letter].width = max(14, len(column.field) + 4)
            example = sheet.cell(row=2, column=index, value=column.example)
            example.font = EXAMPLE_FONT
            if column.kind == "date":
                example.number_format = DATE_FORMAT
                for row in range(3, 200):
                    sheet.cell(row=row, column=index).number_format = DATE_FORMAT
            rule = _validation(column, lists)
            if rule is not None:
                sheet.add_data_validation(rule)
                rule.add(f"{letter}2:{letter}{LAST_ROW}")
        note = sheet.cell(row=2, column=len(columns), value=f"{EXAMPLE_MARK}: never read; leave or delete this row")
        note.font = EXAMPLE_FONT
        sheet.column_dimensions[get_column_letter(len(columns))].width = 44
        sheet.freeze_panes = "A2"

    # Instructions, with a reference of every column.
    for row, text in enumerate(INSTRUCTIONS, start=1):
        cell = instructions.cell(row=row, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    instructions["A1"].font = Font(bold=True, size=14)
    row = len(INSTRUCTIONS) + 1
    for col, title in enumerate(("sheet", "column", "required", "what it is", "allowed values"), start=1):
        cell = instructions.cell(row=row, column=col, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for layout in (HEADER, *TABLES):
        for column in layout.columns:
            row += 1
            values = ", ".join(column.choices) if column.choices else column.kind
            for col, value in enumerate(
                (layout.title, column.field, "yes" if column.required else "", column.help, values), start=1
            ):
                instructions.cell(row=row, column=col, value=value).alignment = Alignment(
                    wrap_text=True, vertical="top"
                )
    for letter, width in zip("ABCDE", (110, 24, 10, 60, 60), strict=True):
        instructions.column_dimensions[letter].width = width
    instructions.cell(row=row + 2, column=1, value=f"Template written {dt.date.today().isoformat()} by clusterscore.")

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
