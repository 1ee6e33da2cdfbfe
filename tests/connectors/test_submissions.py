"""Cluster submissions: the XLSX template round trip (write it, fill it in, convert, land), CSV and YAML files,
an unreadable file, and quarantine reasons that name the file, sheet, row and column."""

import datetime as dt
import gzip
import json
import shutil

from openpyxl import load_workbook

from clusterscore.connectors.output import write_jsonl_gz
from clusterscore.connectors.submissions import convert_folder
from clusterscore.connectors.template import write_template
from clusterscore.landing import land_file
from clusterscore.sources import SOURCES
from connectors.loopback import RECORDED


def put(sheet, row, values):
    for column, value in enumerate(values, start=1):
        sheet.cell(row=row, column=column, value=value)


def fill_template(path):
    """What an organisation does: fill the template in, one cell wrong (a 7-digit CVR number)."""
    workbook = load_workbook(path)
    header = workbook["Submission"]
    values = {"organisation_cvr": 34173842, "year": 2026, "submitted_on": dt.date(2027, 2, 15), "management_fte": 8.5}
    for row in range(2, header.max_row + 1):
        if header.cell(row=row, column=1).value in values:
            header.cell(row=row, column=2, value=values[header.cell(row=row, column=1).value])
    # Row 2 of each sheet stays the template's example; ours start in row 3. Members row 4 has the bad cell.
    members = workbook["Members"]
    put(members, 3, [92399796, None, "Havcom Bio ApS", "DK", "SME", "signed_membership", dt.date(2020, 3, 1), "small"])
    put(members, 4, [5333421, None, "Grangen ApS", "DK", "SME", "fee_paying", None, "micro"])
    put(members, 5, [None, "DE:HRB12345", "Fiktiv GmbH", "de", "non-SME", "in_kind_support", None, None])
    put(workbook["Board"], 3, [1, "chair", 82443169, "company"])
    put(workbook["Board"], 4, [2, "member", None, "knowledge_institution"])
    put(workbook["Projects"], 3, ["P-2026-01", "Pilot line"])
    put(workbook["Project participants"], 3, ["P-2026-01", 60688869, None, "firm"])
    put(workbook["Project participants"], 4, ["P-2026-01", None, "NO:935201090", "knowledge_institution"])
    put(workbook["Funding"], 3, ["NONE"])  # reported: no funding lines this year
    workbook["Events"].cell(row=2, column=1, value="E-2026-07")  # typed over the example, mark left in place
    workbook.save(path)


def land_folder(folder, con, tmp_path):
    records, details = convert_folder(folder)
    dest = tmp_path / "submissions.jsonl.gz"
    write_jsonl_gz(dest, records)
    return land_file(con, SOURCES["cluster_submissions"], dest, "file:submissions", run_id="test"), details, dest


def test_template_round_trip_lands_and_names_the_bad_cell(con, quarantined, tmp_path):
    folder = tmp_path / "submissions"
    path = write_template(folder / "nordlys-2026.xlsx")
    fill_template(path)
    result, details, dest = land_folder(folder, con, tmp_path)

    # header + 3 members + 2 board seats + 1 project = 7; the example rows were not read.
    assert (result.received, result.landed, result.quarantined) == (7, 6, 1)
    assert quarantined("cluster_submissions") == [
        (
            "34173842/2026/members[1]",
            "submissions/nordlys-2026.xlsx, sheet Members, row 4, column A (member_cvr)",
            "CVR number must be 8 digits, got '5333421'",
        )
    ]
    with gzip.open(dest, "rt") as handle:
        record = json.loads(handle.readline())
    assert record["submitted_on"] == "2027-02-15" and record["management_fte"] == 8.5
    assert record["members"][2]["country"] == "DE"
    assert [p.get("participant_cvr") for p in record["projects"][0]["participants"]] == [60688869, None]
    assert record["funding"] == [] and "events" not in record  # NONE: reported empty; empty sheet: not reported
    assert details["files"][0]["lines"] == {"members": 3, "board": 2, "funding": 0, "projects": 1}
    assert details["warnings"] == [
        "submissions/nordlys-2026.xlsx, sheet Events, row 2: marked EXAMPLE in column note, so not read, but its "
        "event_id differ from the example; clear the note to use the row"
    ]


def test_template_has_instructions_validation_and_marked_examples(tmp_path):
    workbook = load_workbook(write_template(tmp_path / "t.xlsx"))
    assert workbook.sheetnames[:2] == ["Instructions", "Submission"] and workbook["Lists"].sheet_state == "hidden"
    assert "one workbook per organisation and year" in workbook["Instructions"]["A1"].value
    members = workbook["Members"]
    headers = [cell.value for cell in members[1]]
    assert headers[:3] == ["member_cvr", "foreign_id", "name"] and headers[-1] == "note"
    assert members.cell(row=2, column=len(headers)).value.startswith("EXAMPLE")
    rules = {str(rule.sqref): rule for rule in members.data_validations.dataValidation}
    assert rules["A2:A2000"].type == "whole" and rules["A2:A2000"].formula1 == "10000000"
    assert rules["E2:E2000"].type == "list" and rules["E2:E2000"].formula1 == "'Lists'!$A$2:$A$10"
    assert rules["G2:G2000"].type == "date"
    funding = {str(r.sqref): r for r in workbook["Funding"].data_validations.dataValidation}
    assert funding["C2:C2000"].type == "decimal"


def test_csv_yaml_and_unreadable_files_each_land_on_their_own(con, quarantined, tmp_path):
    folder = tmp_path / "submissions"
    shutil.copytree(RECORDED / "submissions", folder)
    (folder / "~$kystby-2026.xlsx").write_bytes(b"office lock file")
    (folder / "notes.txt").write_text("not a submission")
    result, details, _ = land_folder(folder, con, tmp_path)

    assert (result.received, result.landed, result.quarantined) == (12, 8, 4)
    assert quarantined("cluster_submissions") == [
        (
            "file:submissions/broken.xlsx",
            "submissions/broken.xlsx",
            "cannot read the workbook: BadZipFile: File is not a zip file",
        ),
        (
            "45597822/2026/board[0]",
            "submissions/kystby-2026.csv, section board, line 18, column B (role)",
            "'formand' is not one of ['chair', 'member', 'vice_chair']",
        ),
        (
            "24178544/2026/members[1]",
            "submissions/markvang-2026.yaml, line 15, field member_since",
            "not a calendar date: '2019-02-30'",
        ),
        (
            "24178544/2026/projects[0]",
            "submissions/markvang-2026.yaml, line 27, field participant_cvr",
            "CVR number 12345678 fails the modulus-11 check",
        ),
    ]
    assert details["ignored_files"] == ["notes.txt"]


def test_header_error_names_its_row_and_holds_back_the_lines(con, quarantined, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "x-2026.csv").write_text(
        "[submission]\nfield,value\norganisation_cvr,34173842\nyear,twenty-six\n\n"
        "[events]\nevent_id,held_on,participants\nE-1,2026-03-10,40\n",
        encoding="utf-8",
    )
    result, _, _ = land_folder(folder, con, tmp_path)
    assert (result.landed, result.quarantined) == (0, 2)
    rows = quarantined("cluster_submissions")
    assert rows[0][1] == "submissions/x-2026.csv, section submission, line 4, column B (year)"
    assert rows[1][2] == "its parent record 34173842/twenty-six was quarantined"


def test_participants_of_an_unknown_project_are_quarantined(con, quarantined, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "y-2026.csv").write_text(
        "[submission]\nfield,value\norganisation_cvr,34173842\nyear,2026\n"
        "[project_participants]\nproject_id,participant_cvr,role\nP-9,60688869,firm\n",
        encoding="utf-8",
    )
    result, _, _ = land_folder(folder, con, tmp_path)
    assert (result.landed, result.quarantined) == (1, 1)
    [(_, field, reason)] = quarantined("cluster_submissions")
    assert field == "submissions/y-2026.csv, section project_participants, line 7"
    assert reason == "project_id 'P-9' is not on the Projects sheet"


def test_the_sample_still_lands_exactly_as_before(con):
    """Lines without source locations (the sample) are checked by the plain rules, with the same paths."""
    result = land_file(
        con, SOURCES["cluster_submissions"], SOURCES_SAMPLE, "file:sample/clusters/submissions.jsonl.gz", "test"
    )
    fields = {row[0] for row in con.execute("select field from meta.quarantine").fetchall()}
    assert result.quarantined == 2 and fields == {"funding[7].amount_dkk", "members[3].member_cvr"}


SOURCES_SAMPLE = RECORDED.parents[2] / "sample" / "clusters" / "submissions.jsonl.gz"
