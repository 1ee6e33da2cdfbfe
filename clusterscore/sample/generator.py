"""Writes the synthetic sample: builds the world for a seed and scale, then streams each file and a manifest.

Output is deterministic: the same seed and scale give byte-identical decompressed files (JSON lines with
sorted keys, records in a fixed order, no wall-clock time anywhere), and gzip is written with mtime 0. The
manifest records, per file, the record count and the sha256 of the decompressed bytes, and lists the
deliberately bad records with where they are and why landing should quarantine them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import random
from pathlib import Path
from typing import Any

from clusterscore.sample import DEFAULT_SEED
from clusterscore.sample.cvr_documents import CvrDocumentBuilder, missing_vrvirksomhed_hit
from clusterscore.sample.population import Organisation, World, iso, slug
from clusterscore.sample.profiles import AS_OF, FISCAL_YEARS
from clusterscore.sample.reference import Reference, load_reference
from clusterscore.sample.submissions import SubmissionBuilder, website

GENERATOR_VERSION = "1"

CVR_FILE = "cvr/virksomhed.jsonl.gz"
ANNUAL_REPORTS_FILE = "annual_reports/regnskaber.jsonl.gz"
DESIGNATIONS_FILE = "clusters/designations.jsonl.gz"
SUBMISSIONS_FILE = "clusters/submissions.jsonl.gz"
LABELS_FILE = "labels/label_list.jsonl.gz"
FILES = (CVR_FILE, ANNUAL_REPORTS_FILE, DESIGNATIONS_FILE, SUBMISSIONS_FILE, LABELS_FILE)

# The organisations that carry the deliberately bad submission lines (first copy only).
BAD_MEMBER_ORGANISATION = "claim_discrepancies"
BAD_MEMBER_YEAR = 2025
BAD_MEMBER_INDEX = 3
BAD_FUNDING_ORGANISATION = "middling_late_filer"
BAD_FUNDING_YEAR = 2024
BAD_LABEL_ORGANISATION = "claim_discrepancies"


def dumps(record: Any) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class JsonLinesWriter:
    """Streams records to a gzip JSON-lines file; counts them and hashes the decompressed bytes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._raw = path.open("wb")
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=6)
        self._sha = hashlib.sha256()
        self._buffer: list[bytes] = []
        self._buffered = 0
        self.records = 0
        self.bytes = 0

    def write(self, record: Any) -> int:
        """Write one record; return its 1-based line number."""
        data = (dumps(record) + "\n").encode("utf-8")
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered >= 1 << 20:
            self._flush()
        self.records += 1
        return self.records

    def _flush(self) -> None:
        chunk = b"".join(self._buffer)
        self._sha.update(chunk)
        self._gzip.write(chunk)
        self.bytes += len(chunk)
        self._buffer, self._buffered = [], 0

    def close(self) -> dict:
        self._flush()
        self._gzip.close()
        self._raw.close()
        return {"records": self.records, "sha256": self._sha.hexdigest(), "bytes": self.bytes}

    def __enter__(self) -> JsonLinesWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._raw.closed:
            self._gzip.close()
            self._raw.close()


class SampleWriter:
    with_bad_records = True
    """The sample carries the deliberately bad records; the national data set is clean (see national.py)."""

    def __init__(self, world: World, reference: Reference, out_dir: Path) -> None:
        self.world = world
        self.reference = reference
        self.out_dir = out_dir
        # Separate streams, so that changing one file's generation leaves the others' randomness alone.
        self.rng_reports = random.Random(f"{world.seed}/annual_reports")
        self.rng_submissions = random.Random(f"{world.seed}/submissions")
        self.files: dict[str, dict] = {}
        self.bad_records: list[dict] = []

    def write_all(self) -> None:
        self.write_cvr()
        self.write_annual_reports()
        self.write_designations()
        self.write_submissions()
        self.write_labels()

    def bad(self, file: str, line: int, kind: str, reason: str, path: str | None = None) -> None:
        entry = {"file": file, "line": line, "kind": kind, "expected_reason": reason}
        if path is not None:
            entry["path"] = path
        self.bad_records.append(entry)

    # ------------------------------------------------------------------ CVR
    def write_cvr(self) -> None:
        world = self.world
        builder = CvrDocumentBuilder(self.reference)
        bad = world.bad_company
        entries: list[tuple[int, int, Any]] = [(c.cvr, 0, c) for c in world.companies]
        entries.append((world.missing_hit_key, 1, None))
        entries.sort(key=lambda entry: (entry[0], entry[1]))
        with JsonLinesWriter(self.out_dir / CVR_FILE) as writer:
            for _, _, company in entries:
                if company is None:
                    line = writer.write(missing_vrvirksomhed_hit(world.missing_hit_enheds))
                    self.bad(CVR_FILE, line, "missing_vrvirksomhed", "_source.Vrvirksomhed: Field required")
                    continue
                line = writer.write(builder.hit(company))
                if company is bad:
                    self.bad(
                        CVR_FILE,
                        line,
                        "cvr_check_digit",
                        f"CVR number {company.cvr} fails the modulus-11 check",
                        "_source.Vrvirksomhed.cvrNummer",
                    )
            self.files[CVR_FILE] = writer.close()

    # ------------------------------------------------------------------ annual reports
    def write_annual_reports(self) -> None:
        rng = self.rng_reports
        with JsonLinesWriter(self.out_dir / ANNUAL_REPORTS_FILE) as writer:
            for org in self.world.organisations:
                finance = org.profile.finance
                for offset, year in enumerate(FISCAL_YEARS):
                    values = {
                        "fsa:Revenue": finance.revenue[offset],
                        "fsa:ProfitLoss": finance.profit_loss[offset],
                        "fsa:Equity": finance.equity[offset],
                        "fsa:AverageNumberOfEmployees": finance.employees[offset],
                    }
                    if all(v is None for v in values.values()):
                        continue
                    missing = finance.missing_facts.get(year, ())
                    facts = {k: v for k, v in values.items() if v is not None and k not in missing}
                    period_end = dt.date(year, 12, 31)
                    if year == finance.late_filing_year:
                        published = period_end + dt.timedelta(days=rng.randrange(170, 195))
                    else:
                        published = period_end + dt.timedelta(days=rng.randrange(95, 146))
                    clock = f"{rng.randrange(6, 16):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
                    start = max(dt.date(year, 1, 1), org.company.founded)
                    writer.write(
                        {
                            "synthetic": True,
                            "cvrNummer": org.cvr,
                            "offentliggoerelsesTidspunkt": f"{published.isoformat()}T{clock}Z",
                            "regnskab": {"regnskabsperiode": {"startDato": iso(start), "slutDato": iso(period_end)}},
                            "dokumenter": [
                                {
                                    "dokumentUrl": (
                                        f"https://regnskaber.example.invalid/{org.cvr}/{year}/aarsrapport.xml"
                                    ),
                                    "dokumentMimeType": "application/xml",
                                    "dokumentType": "AARSRAPPORT",
                                }
                            ],
                            "facts": facts,
                        }
                    )
            self.files[ANNUAL_REPORTS_FILE] = writer.close()

    # ------------------------------------------------------------------ designations
    def write_designations(self) -> None:
        with JsonLinesWriter(self.out_dir / DESIGNATIONS_FILE) as writer:
            for org in self.world.organisations:
                for programme, start, end in org.profile.designations:
                    if dt.date.fromisoformat(start) < org.company.founded:
                        continue
                    writer.write(
                        {
                            "synthetic": True,
                            "cvr": org.cvr,
                            "organisation_name": org.name,
                            "business_area_code": org.profile.business_area_code,
                            "programme": programme,
                            "designated_from": start,
                            "designated_to": end,
                        }
                    )
            self.files[DESIGNATIONS_FILE] = writer.close()

    # ------------------------------------------------------------------ submissions
    def write_submissions(self) -> None:
        region_names = {code: m.region_name for code, m in self.reference.municipalities.items()}
        builder = SubmissionBuilder(self.rng_submissions, region_names)
        with JsonLinesWriter(self.out_dir / SUBMISSIONS_FILE) as writer:
            for org in self.world.organisations:
                for year in org.profile.submission_years:
                    record = builder.build(org, year)
                    bad_paths = self.spoil_submission(org, year, record)
                    line = writer.write(record)
                    for kind, reason, path in bad_paths:
                        self.bad(SUBMISSIONS_FILE, line, kind, reason, path)
            self.files[SUBMISSIONS_FILE] = writer.close()

    def spoil_submission(self, org: Organisation, year: int, record: dict) -> list[tuple[str, str, str]]:
        """Put the deliberately bad lines into chosen submissions of the first copy."""
        if org.copy_no != 0 or not self.with_bad_records:
            return []
        spoiled = []
        if org.profile.key == BAD_MEMBER_ORGANISATION and year == BAD_MEMBER_YEAR:
            members = record["members"]
            index = min(BAD_MEMBER_INDEX, len(members))
            template = next(m for m in members if m["member_cvr"] is not None)
            malformed = int(str(template["member_cvr"])[:7])
            line = dict(template, member_cvr=malformed, name=f"{template['name']} Holding", member_since="2025-05-01")
            members.insert(index, line)
            reason = f"CVR number must be 8 digits, got '{malformed}'"
            spoiled.append(("member_malformed_cvr", reason, f"members[{index}].member_cvr"))
        if org.profile.key == BAD_FUNDING_ORGANISATION and year == BAD_FUNDING_YEAR:
            funding = record["funding"]
            funding.append({"source_type": "other", "funder": "Correction of membership fees", "amount_dkk": -125000})
            reason = "amount_dkk: Input should be greater than or equal to 0"
            spoiled.append(("negative_funding", reason, f"funding[{len(funding) - 1}].amount_dkk"))
        return spoiled

    # ------------------------------------------------------------------ labels
    def write_labels(self) -> None:
        with JsonLinesWriter(self.out_dir / LABELS_FILE) as writer:
            for org in self.world.organisations:
                sector = self.reference.business_areas.get(org.profile.business_area_code, "")
                base = {
                    "synthetic": True,
                    "organisation_name": org.name,
                    "country": "Denmark",
                    "sector": sector,
                    "website": website(org),
                }
                for label in org.profile.labels:
                    writer.write(
                        base
                        | {
                            "label": label.label,
                            "awarded_on": label.awarded_on,
                            "valid_until": label.valid_until,
                            "score_pct": label.score_pct,
                        }
                    )
                if self.with_bad_records and org.copy_no == 0 and org.profile.key == BAD_LABEL_ORGANISATION:
                    unknown = {"label": "PLATINUM", "awarded_on": "2025-09-02", "valid_until": "2027-09-30"}
                    line = writer.write(base | unknown | {"score_pct": 95.0})
                    reason = "'PLATINUM' is not one of ['BRONZE', 'GOLD', 'SILVER']"
                    self.bad(LABELS_FILE, line, "unknown_label_level", reason, "label")
            self.files[LABELS_FILE] = writer.close()

    # ------------------------------------------------------------------ manifest
    def manifest(self) -> dict:
        world = self.world
        organisations = []
        for org in world.organisations:
            organisations.append(
                {
                    "key": org.key,
                    "cvr": org.cvr,
                    "name": org.name,
                    "profile": org.profile.key,
                    "design": org.profile.design,
                    "website": website(org),
                    "slug": slug(org.name),
                }
            )
        return {
            "synthetic": True,
            "generator": "clusterscore.sample",
            "generator_version": GENERATOR_VERSION,
            "seed": world.seed,
            "scale": world.scale,
            "as_of": iso(AS_OF),
            "files": dict(sorted(self.files.items())),
            "bad_records": self.bad_records,
            "organisations": organisations,
        }


def generate(out_dir: Path, scale: float = 1.0, seed: int = DEFAULT_SEED) -> dict:
    """Write the synthetic sample under `out_dir`; return the manifest (also written as MANIFEST.json)."""
    out_dir = Path(out_dir)
    reference = load_reference()
    world = World(reference, float(scale), int(seed)).build()
    writer = SampleWriter(world, reference, out_dir)
    writer.write_all()
    manifest = writer.manifest()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "MANIFEST.json").write_text(
        json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest
