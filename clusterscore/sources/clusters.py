"""Cluster data: programme designations, and each organisation's yearly submission.

A submission lands as one header record plus one record per line (member, board seat, funding line, project,
engagement count, event), so that one bad line is quarantined on its own and the rest of the submission lands.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import Field, model_validator

from clusterscore.sources.fields import (
    Amount,
    Count,
    Cvr,
    IsoDate,
    Loose,
    NonEmptyStr,
    Percent,
    Year,
    one_of,
)
from clusterscore.sources.located import UnreadableSource, columns_of, located
from clusterscore.sources.spec import RawRecord, SourceSpec, single

# ESCA's member categories (https://www.cluster-analysis.org).
MEMBER_CATEGORIES = (
    "SME",
    "non-SME",
    "R&D institution",
    "university",
    "education provider",
    "financial intermediary",
    "consultant",
    "government agency",
    "other",
)
COMMITMENT_BASES = ("signed_membership", "fee_paying", "in_kind_support", "active_participation")
SIZE_CLASSES = ("micro", "small", "medium", "large")
AFFILIATION_TYPES = ("company", "knowledge_institution", "public", "other")
BOARD_ROLES = ("chair", "vice_chair", "member")
PARTICIPANT_ROLES = ("firm", "knowledge_institution", "other")
FUNDING_SOURCE_TYPES = (
    "public_national",
    "public_regional",
    "public_eu",
    "private_membership_fees",
    "private_services",
    "private_cofinancing",
    "other",
)


class Designation(Loose):
    cvr: Cvr
    organisation_name: NonEmptyStr
    business_area_code: NonEmptyStr
    programme: NonEmptyStr
    designated_from: IsoDate
    designated_to: IsoDate | None = None


class SubmissionHeader(Loose):
    organisation_cvr: Cvr
    year: Year
    submitted_on: IsoDate | None = None
    strategy_document_date: IsoDate | None = None
    management_fte: Amount | None = None
    member_satisfaction_pct: Percent | None = None


class _Identified(Loose):
    """A party named by a CVR number or, abroad, by a foreign id: exactly one of the two."""

    cvr_field: ClassVar[str]

    @model_validator(mode="after")
    def _one_id(self) -> _Identified:
        cvr, foreign = getattr(self, self.cvr_field), getattr(self, "foreign_id", None)
        if (cvr is None) == (not foreign):
            raise ValueError(f"give exactly one of {self.cvr_field} and foreign_id")
        return self


class Member(_Identified):
    cvr_field: ClassVar[str] = "member_cvr"
    member_cvr: Cvr | None = None
    foreign_id: NonEmptyStr | None = None
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    member_category: one_of(*MEMBER_CATEGORIES)
    commitment_basis: one_of(*COMMITMENT_BASES)
    member_since: IsoDate | None = None
    claimed_size_class: one_of(*SIZE_CLASSES) | None = None


class BoardSeat(Loose):
    seat_no: Count
    role: one_of(*BOARD_ROLES)
    affiliation_cvr: Cvr | None = None
    affiliation_type: one_of(*AFFILIATION_TYPES)


class Funding(Loose):
    source_type: one_of(*FUNDING_SOURCE_TYPES)
    funder: str | None = None
    amount_dkk: Amount


class Participant(_Identified):
    cvr_field: ClassVar[str] = "participant_cvr"
    participant_cvr: Cvr | None = None
    foreign_id: NonEmptyStr | None = None
    role: one_of(*PARTICIPANT_ROLES)


class Project(Loose):
    project_id: NonEmptyStr
    title: str | None = None
    participants: list[Participant] = Field(default_factory=list)


class Engagement(Loose):
    size_class: one_of(*SIZE_CLASSES)
    firms_engaged: Count


class Event(Loose):
    event_id: NonEmptyStr
    held_on: IsoDate
    participants: Count | None = None


# Submission section -> (record type, model of one line).
SECTIONS: dict[str, tuple[str, type[Loose]]] = {
    "members": ("member", Member),
    "board": ("board_seat", BoardSeat),
    "funding": ("funding", Funding),
    "projects": ("project", Project),
    "engagement": ("engagement", Engagement),
    "events": ("event", Event),
}


class _NotAList(Loose):
    """Stands in for a section that is not a list, so the whole section is quarantined with that reason."""

    @model_validator(mode="before")
    @classmethod
    def _reject(cls, value: Any) -> Any:
        raise ValueError("section must be a list of lines")


def split_submission(submission: dict) -> Iterator[RawRecord]:
    parent = f"{submission.get('organisation_cvr')}/{submission.get('year')}"
    header = {k: v for k, v in submission.items() if k not in SECTIONS}
    # Which sections the organisation reported, and how many lines each: an absent section is missing data,
    # an empty one is a reported zero, and only the header can tell them apart once the lines land apart.
    header["section_line_counts"] = {
        name: len(lines) for name, lines in submission.items() if name in SECTIONS and isinstance(lines, list)
    }
    # A submission converted from a spreadsheet, CSV or YAML file (clusterscore/connectors/submissions.py) says
    # where each value came from, so that quarantine reasons name the file, sheet, row and column.
    layout = submission.get("source_columns")
    if submission.get("source_error"):  # the file could not be converted at all
        yield RawRecord("submission", f"file:{submission.get('source_ref')}", header, located(UnreadableSource))
        return
    header_model = located(SubmissionHeader, columns_of(layout, "submission")) if header.get("source_ref") else None
    yield RawRecord("submission", parent, header, header_model or SubmissionHeader)
    for section, (record_type, model) in SECTIONS.items():
        lines = submission.get(section)
        if lines is None:
            continue
        if not isinstance(lines, list):
            yield RawRecord(record_type, f"{parent}/{section}", lines, _NotAList, parent, section)
            continue
        for index, line in enumerate(lines):
            if isinstance(line, dict) and line.get("source_ref"):
                nested = (("participants", "participant_refs", columns_of(layout, "project_participants")),)
                line_model = located(model, columns_of(layout, section), nested if section == "projects" else ())
                if line.get("source_error"):  # a row the converter could not place (e.g. an unknown project)
                    line_model = located(UnreadableSource)
                yield RawRecord(record_type, f"{parent}/{section}[{index}]", line, line_model, parent)
                continue
            yield RawRecord(record_type, f"{parent}/{section}[{index}]", line, model, parent, f"{section}[{index}]")


CLUSTER_DESIGNATIONS = SourceSpec(
    name="cluster_designations",
    description="Cluster organisations designated in a programme period, with their business area.",
    sample_file="clusters/designations.jsonl.gz",
    live_uri="https://erhvervsfremmebestyrelsen.dk/danske-styrkepositioner-og-fremtidens-klynger",
    split=single("designation", Designation, lambda row: f"{row.get('cvr')}/{row.get('programme')}"),
)

CLUSTER_SUBMISSIONS = SourceSpec(
    name="cluster_submissions",
    description="Each organisation's own yearly submission: members, board, funding, projects, engagement, events.",
    sample_file="clusters/submissions.jsonl.gz",
    live_uri="submissions folder (one file per organisation and year)",
    split=split_submission,
)
