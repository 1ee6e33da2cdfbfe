"""The layout of a cluster submission file: its sheets (sections), their columns, and how a cell becomes a value.

One definition serves the XLSX template, the XLSX/CSV/YAML converter and the instructions, so they cannot drift
apart. The value sets come from the landing rules (clusterscore/sources/clusters.py).
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from clusterscore.sources.clusters import (
    AFFILIATION_TYPES,
    BOARD_ROLES,
    COMMITMENT_BASES,
    FUNDING_SOURCE_TYPES,
    MEMBER_CATEGORIES,
    PARTICIPANT_ROLES,
    SIZE_CLASSES,
)

EXAMPLE_MARK = "EXAMPLE"  # a row whose `note` starts with this is the template's example: never read
NONE_MARK = "NONE"  # typed in the first cell under the header: the section is reported, with no lines


@dataclass(frozen=True)
class Column:
    field: str
    kind: str  # cvr | text | choice | date | int | number | percent | bool | country
    help: str
    choices: tuple[str, ...] = ()
    required: bool = False
    example: Any = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Sheet:
    section: str  # submission (the header), a section of clusters.SECTIONS, or project_participants
    title: str
    help: str
    columns: tuple[Column, ...]

    def column(self, field: str) -> Column | None:
        return next((c for c in self.columns if c.field == field), None)


EXAMPLE_CVR = 12345674  # passes the modulus-11 check; fictional, used in docs/sample-data.md as well
CVR_HELP = "CVR number: 8 digits (checked with modulus 11 when loaded). Leave empty for a foreign party."

HEADER = Sheet(
    "submission",
    "Submission",
    "One value per field, in column B.",
    (
        Column(
            "organisation_cvr", "cvr", "The cluster organisation's own CVR number.", required=True, example=EXAMPLE_CVR
        ),
        Column(
            "year",
            "int",
            "The year this submission reports on.",
            required=True,
            example=2026,
            minimum=1900,
            maximum=2100,
        ),
        Column("submitted_on", "date", "The date you send this file (YYYY-MM-DD).", example=dt.date(2027, 2, 15)),
        Column("strategy_document_date", "date", "Date of the current strategy document.", example=dt.date(2025, 6, 1)),
        Column(
            "management_fte", "number", "Cluster management staff in full-time equivalents.", example=6.5, minimum=0
        ),
        Column(
            "member_satisfaction_pct",
            "percent",
            "Share of members satisfied (0-100), from your latest survey.",
            example=84.0,
            minimum=0,
            maximum=100,
        ),
        Column("website_en", "text", "The English web page of the organisation.", example="https://example.invalid/en"),
        Column(
            "eccp_profile", "bool", "Listed on the European Cluster Collaboration Platform: yes or no.", example="yes"
        ),
    ),
)

TABLES = (
    Sheet(
        "members",
        "Members",
        "One row per committed member (ESCA: signed membership, fee, regular support, or active participation).",
        (
            Column("member_cvr", "cvr", CVR_HELP, example=EXAMPLE_CVR),
            Column("foreign_id", "text", "For a member abroad: country code and registry number, e.g. DE:HRB12345."),
            Column("name", "text", "The member's name.", example="Fiktiv Energi ApS"),
            Column("country", "country", "Two-letter country code (DK, DE, ...).", example="DK"),
            Column("member_category", "choice", "ESCA member category.", MEMBER_CATEGORIES, True, "SME"),
            Column(
                "commitment_basis",
                "choice",
                "Why the member counts as committed.",
                COMMITMENT_BASES,
                True,
                "signed_membership",
            ),
            Column("member_since", "date", "First day of membership.", example=dt.date(2019, 1, 1)),
            Column(
                "claimed_size_class",
                "choice",
                "micro (<10 staff), small (10-49), medium (50-249), large (250+).",
                SIZE_CLASSES,
                example="small",
            ),
        ),
    ),
    Sheet(
        "board",
        "Board",
        "One row per board seat.",
        (
            Column("seat_no", "int", "Seat number, 1, 2, 3, ...", required=True, example=1, minimum=1),
            Column("role", "choice", "The seat's role.", BOARD_ROLES, True, "chair"),
            Column(
                "affiliation_cvr",
                "cvr",
                "CVR number of the organisation the board member comes from, if Danish.",
                example=EXAMPLE_CVR,
            ),
            Column(
                "affiliation_type",
                "choice",
                "What kind of organisation the board member comes from.",
                AFFILIATION_TYPES,
                True,
                "company",
            ),
        ),
    ),
    Sheet(
        "funding",
        "Funding",
        "One row per funding source of the year, amounts in whole DKK.",
        (
            Column("source_type", "choice", "Kind of funding.", FUNDING_SOURCE_TYPES, True, "public_national"),
            Column("funder", "text", "Who paid.", example="Danmarks Erhvervsfremmebestyrelse"),
            Column("amount_dkk", "number", "Amount in DKK (0 or more).", required=True, example=4000000, minimum=0),
        ),
    ),
    Sheet(
        "projects",
        "Projects",
        "One row per innovation project; list its participants on the sheet Project participants.",
        (
            Column(
                "project_id",
                "text",
                "Your own id of the project, unique in this file.",
                required=True,
                example="P-2026-01",
            ),
            Column("title", "text", "Project title.", example="Battery storage innovation network"),
        ),
    ),
    Sheet(
        "project_participants",
        "Project participants",
        "One row per participant of a project (project_id as on the sheet Projects).",
        (
            Column(
                "project_id", "text", "The project's id from the sheet Projects.", required=True, example="P-2026-01"
            ),
            Column("participant_cvr", "cvr", CVR_HELP, example=EXAMPLE_CVR),
            Column("foreign_id", "text", "For a participant abroad: country code and registry number."),
            Column("role", "choice", "The participant's role.", PARTICIPANT_ROLES, True, "firm"),
        ),
    ),
    Sheet(
        "engagement",
        "Engagement",
        "Firms engaged in the year's activities, one row per size class.",
        (
            Column(
                "size_class",
                "choice",
                "micro (<10 staff), small (10-49), medium (50-249), large (250+).",
                SIZE_CLASSES,
                True,
                "micro",
            ),
            Column("firms_engaged", "int", "Number of distinct firms engaged.", required=True, example=120, minimum=0),
        ),
    ),
    Sheet(
        "events",
        "Events",
        "One row per event held in the year.",
        (
            Column(
                "event_id", "text", "Your own id of the event, unique in this file.", required=True, example="E-2026-01"
            ),
            Column("held_on", "date", "Date of the event (YYYY-MM-DD).", required=True, example=dt.date(2026, 3, 10)),
            Column("participants", "int", "Number of participants.", example=85, minimum=0),
        ),
    ),
)
SHEETS = {sheet.section: sheet for sheet in (HEADER, *TABLES)}
NOTE_COLUMN = "note"  # free text on every table sheet; the converter reads only the EXAMPLE mark in it


def sheet_key(name: str) -> str:
    """Sheet titles and CSV section names compare without case, spaces, hyphens or underscores mattering."""
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


_TRUE = {"yes", "true", "ja", "y", "1", "x"}
_FALSE = {"no", "false", "nej", "n", "0"}


def convert(column: Column | None, value: Any) -> Any:
    """The JSON value for a cell. What cannot be read as the column's kind is kept as written, so the landing
    rule rejects it with its own reason (and the file, sheet, row and column) instead of it being guessed."""
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if column is None:
        return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    kind = column.kind
    if kind in ("cvr", "int"):
        if isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            digits = re.sub(r"\s", "", value)
            if kind == "cvr":
                digits = re.sub(r"^DK-?", "", digits, flags=re.IGNORECASE)
            if re.fullmatch(r"-?\d+", digits):
                return int(digits)
        return value
    if kind in ("number", "percent"):
        if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
            return float(value) if "." in value else int(value)
        return value
    if kind == "date":
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str) and (m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)):
            return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
        return value if isinstance(value, str) else str(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        return True if text in _TRUE else False if text in _FALSE else value
    if kind == "choice":
        text = str(value).strip()
        matches = [choice for choice in column.choices if choice.lower() == text.lower()]
        return matches[0] if len(matches) == 1 else text
    if kind == "country":
        return str(value).strip().upper()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value.isoformat() if isinstance(value, dt.date) else str(value)
