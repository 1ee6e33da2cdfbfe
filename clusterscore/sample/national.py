"""A national-scale synthetic data set: the sample's cluster world inside a whole synthetic CVR register.

Why: the refresh must be measured at the size of the real register (about 2.2 million companies and 1.8 million
participants, issue 8), since indicators such as national coverage read every company, not only the members.

What: the cluster part is the sample's own `World` (organisations from the same profiles, their members,
boards, submissions, reports, designations and labels), sized by `organisations` and `memberships` (member
lines in each organisation's latest submission). Around it stream *background* companies up to `companies`,
and the persons in every company's `deltagerRelation` are drawn from `participants` distinct people, each of
whom holds at least one role. Same file layout and record shapes as `sample/`; every record is synthetic and
fictional. The set is clean: none of the sample's deliberately bad records.

How it stays fast and bounded in memory: a background company is a function of (seed, its index) alone; its
CVR number comes from its own slot of the number range (so numbers are distinct and valid without a registry
of used numbers), its persons from arithmetic on its index. The CVR file is written in chunks of companies, each
built, serialised with orjson and compressed as its own gzip member (a multi-member gzip file reads as one
stream: Python's gzip, DuckDB), so chunks are made on several cores and the output does not depend on how
many. Files are sorted by CVR number, like the sample's.

`write_changed` writes the next night's variant of a data set: a share of companies changed (employment, board
or address, and a new `sidstOpdateret`), for the incremental benchmark.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import hashlib
import json
import math
import multiprocessing
import os
import random
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

from clusterscore.cvr_numbers import CvrAllocator, check_digit
from clusterscore.sample import DEFAULT_SEED
from clusterscore.sample import vocabulary as voc
from clusterscore.sample.cvr_documents import CvrDocumentBuilder
from clusterscore.sample.generator import (
    CVR_FILE,
    FILES,
    GENERATOR_VERSION,
    SampleWriter,
)
from clusterscore.sample.population import ONE_DAY, Company, Role, World, iso, random_date
from clusterscore.sample.profiles import AS_OF, PROFILES
from clusterscore.sample.reference import Reference, load_reference

NATIONAL_VERSION = "1"
DEFAULT_COMPANIES = 2_200_000
DEFAULT_PARTICIPANTS = 1_800_000
DEFAULT_ORGANISATIONS = 100
DEFAULT_MEMBERSHIPS = 100_000
DEFAULT_CHUNK = 10_000
DEFAULT_LEVEL = 6

BACKGROUND_ENHEDS = 4_000_000_000
"""enhedsNummer of background company i is this + i; the world's own numbers lie in `NationalWorld.ENHEDS_RANGE`."""
PERSON_ENHEDS = 4_200_000_000
"""enhedsNummer of background participant p is this + p."""
MASK64 = (1 << 64) - 1
ORJSON_LINE = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def mix(value: int) -> int:
    """splitmix64: a cheap, well-spread hash, so per-index choices need no random generator."""
    value = (value + 0x9E3779B97F4A7C15) & MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK64
    return value ^ (value >> 31)


def dumps_line(record: object) -> bytes:
    return orjson.dumps(record, option=ORJSON_LINE)


@dataclass(frozen=True)
class NationalSizes:
    companies: int = DEFAULT_COMPANIES
    participants: int = DEFAULT_PARTICIPANTS
    organisations: int = DEFAULT_ORGANISATIONS
    memberships: int = DEFAULT_MEMBERSHIPS

    def check(self) -> None:
        if min(self.companies, self.participants, self.organisations, self.memberships) < 1:
            raise ValueError("every size must be at least 1")
        if self.memberships < 10 * self.organisations:
            raise ValueError("memberships must be at least 10 per organisation")


# ---------------------------------------------------------------------------------------------- CVR numbers
class CvrSlots:
    """Slot i of `count` equal slices of the 7-digit prefix range holds company i's CVR number.

    Distinct and valid (modulus 11) by construction and computable from i alone, so chunks need no shared state;
    `taken` tells in O(1) whether a number is a slot's, so the world's random numbers can avoid them.
    """

    LOW, HIGH = 1_000_000, 10_000_000

    def __init__(self, count: int, seed: int) -> None:
        span = self.HIGH - self.LOW
        if count > span // 2:
            raise ValueError(f"at most {span // 2} companies fit the CVR number range this way")
        self.count, self.span, self.salt = count, span, mix(seed ^ 0xC0FFEE)

    def _low(self, slot: int) -> int:
        return self.LOW + slot * self.span // self.count

    def cvr(self, slot: int) -> int:
        low, high = self._low(slot), self._low(slot + 1)
        width = high - low
        start = mix(self.salt ^ slot) % width
        for step in range(width):
            prefix = low + (start + step) % width
            digit = check_digit(prefix)
            if digit is not None:
                return prefix * 10 + digit
        raise ValueError(f"no valid CVR number in slot {slot}")  # pragma: no cover - needs a 1-wide slot

    def slot_of(self, number: int) -> int:
        prefix = number // 10
        slot = (prefix - self.LOW) * self.count // self.span
        while slot > 0 and self._low(slot) > prefix:
            slot -= 1
        while slot + 1 < self.count and self._low(slot + 1) <= prefix:
            slot += 1
        return slot

    def taken(self, number: int) -> bool:
        return self.count > 0 and self.LOW <= number // 10 < self.HIGH and self.cvr(self.slot_of(number)) == number


class SlotAvoidingAllocator(CvrAllocator):
    """The world's random CVR numbers, never one that a background company's slot holds."""

    def __init__(self, rng: random.Random, taken: Callable[[int], bool]) -> None:
        super().__init__(rng)
        self._taken = taken

    def next(self) -> int:
        while True:
            number = super().next()
            if not self._taken(number):
                return number


# ---------------------------------------------------------------------------------------------- the cluster world
class NationalWorld(World):
    """The sample's world with any number of organisations, sized so latest-year member lines sum to `memberships`.

    Organisation k follows profile k mod 10 (copies get invented names, as at sample scale > 1); each one's
    membership factor is set so its latest-year member count is its share of `memberships` (largest remainder).
    """

    ENHEDS_RANGE = (4_900_000_000, 5_000_000_000)

    def __init__(self, reference: Reference, seed: int, sizes: NationalSizes, slots: CvrSlots) -> None:
        bases = [PROFILES[k % len(PROFILES)].members.counts[-1] for k in range(sizes.organisations)]
        exact = [sizes.memberships * base / sum(bases) for base in bases]
        targets = [math.floor(value) for value in exact]
        by_remainder = sorted(range(len(exact)), key=lambda k: (targets[k] - exact[k], k))
        for k in by_remainder[: sizes.memberships - sum(targets)]:
            targets[k] += 1
        # Pools (knowledge institutions, auditors) grow as at sample scale: copies x mean membership factor.
        copies = math.ceil(sizes.organisations / len(PROFILES))
        scale = sizes.organisations / len(PROFILES) * sizes.memberships / sum(bases)
        super().__init__(reference, scale, seed)
        self.copies = copies
        self.count = sizes.organisations
        self.factors = [target / base for target, base in zip(targets, bases, strict=True)]
        self.cvrs = SlotAvoidingAllocator(self.rng, slots.taken)

    def build(self) -> NationalWorld:
        self.build_pools()
        plan = self.organisation_plan(self.count)
        for (profile, copy_no, name), factor in zip(plan, self.factors, strict=True):
            self.organisations.append(self.build_organisation(profile, copy_no, name, factor))
        return self

    def written_companies(self) -> list[Company]:
        """The world's companies as the national CVR file holds them: all but the deliberately bad one."""
        return [company for company in self.companies if company is not self.bad_company]

    def members_not_in_cvr(self) -> list[int]:
        """CVR numbers claimed as members that the registry lacks on purpose (the claim-discrepancy profile)."""
        return sorted(
            {
                m.party.cvr
                for org in self.organisations
                for m in org.memberships
                if m.party.company is None and m.party.cvr is not None
            }
        )


# ---------------------------------------------------------------------------------------------- participants and roles
SEATS_BY_FORM: dict[int, tuple[tuple[str, str], ...]] = {
    10: (("FULDT_ANSVARLIG_DELTAGERE", "FULDT ANSVARLIG DELTAGER"),),
    80: (("DIREKTION", "DIREKTØR"),),
    60: (("DIREKTION", "DIREKTØR"), ("LEDELSESORGAN", "FORMAND"), ("LEDELSESORGAN", "NÆSTFORMAND")),
    90: (("LEDELSESORGAN", "FORMAND"), ("LEDELSESORGAN", "BESTYRELSESMEDLEM")),
    100: (("DIREKTION", "DIREKTØR"), ("LEDELSESORGAN", "FORMAND"), ("LEDELSESORGAN", "BESTYRELSESMEDLEM")),
    110: (("LEDELSESORGAN", "FORMAND"), ("LEDELSESORGAN", "BESTYRELSESMEDLEM")),
    115: (("LEDELSESORGAN", "FORMAND"), ("LEDELSESORGAN", "BESTYRELSESMEDLEM")),
}
"""The seats every company of a legal form has; more board members and a second director are drawn on top."""


@dataclass(frozen=True)
class Auditor:
    enheds: int
    name: str
    cvr: int


class RoleMaker:
    """The persons and auditor in a company's `deltagerRelation`, drawn from a fixed set of participants.

    Seat j of company i goes to participant (i + j * companies) mod participants, shuffled by an affine map:
    seat 0 of every company covers every participant when there are at least as many companies, and otherwise
    every company gets enough seats to cover them, so each participant holds at least one role.
    """

    def __init__(self, companies: int, participants: int, seed: int, auditors: list[Auditor]) -> None:
        self.companies, self.participants = companies, participants
        self.min_seats = max(1, math.ceil(participants / max(1, companies)))
        multiplier = int(participants * 0.6180339887) | 1
        while math.gcd(multiplier, participants) != 1:
            multiplier += 1
        self.multiplier, self.offset, self.salt = multiplier, mix(seed) % participants, mix(seed ^ 0x5EED)
        self.auditors = auditors

    def person(self, seat_key: int) -> tuple[int, str]:
        pid = (self.multiplier * (seat_key % self.participants) + self.offset) % self.participants
        h = mix(self.salt ^ pid)
        first = voc.FIRST_NAMES[h % len(voc.FIRST_NAMES)]
        if (h >> 20) % 10 < 3:
            first = f"{first} {voc.FIRST_NAMES[(h >> 24) % len(voc.FIRST_NAMES)]}"
        return PERSON_ENHEDS + pid, f"{first} {voc.LAST_NAMES[(h >> 40) % len(voc.LAST_NAMES)]}"

    def roles(self, company: Company, index: int, rng: random.Random) -> list[Role]:
        seats = list(SEATS_BY_FORM.get(company.legal_form, SEATS_BY_FORM[80]))
        form = company.legal_form
        if form in (60, 90, 100, 110, 115) or (form == 80 and rng.random() < 0.25):
            seats += [("LEDELSESORGAN", "BESTYRELSESMEDLEM")] * rng.randint(1 if form != 80 else 2, 4)
        if form in (60, 80) and rng.random() < 0.15:
            seats.append(("DIREKTION", "DIREKTØR"))
        while len(seats) < self.min_seats:
            seats.append(("LEDELSESORGAN", "BESTYRELSESMEDLEM"))
        end = company.closed_on
        last_day = min(AS_OF - ONE_DAY, end or AS_OF)
        roles, seen = [], set()
        for number, (hovedtype, function) in enumerate(seats):
            enheds, name = self.person(index + number * self.companies)
            if enheds in seen:
                continue
            seen.add(enheds)
            start = company.founded if number == 0 else random_date(rng, company.founded, last_day)
            functions: list[tuple[str, dt.date, dt.date | None]] = [(function, start, end)]
            if number == 0 and form != 10 and rng.random() < 0.12 and (last_day - company.founded).days > 800:
                # The first holder left and a successor took the seat (not for a sole proprietorship).
                changed = random_date(rng, company.founded + dt.timedelta(days=400), last_day)
                former_enheds, former_name = self.person(index + len(seats) * self.companies)
                if former_enheds not in seen:
                    seen.add(former_enheds)
                    roles.append(Role(hovedtype, former_enheds, former_name, [(function, start, changed - ONE_DAY)]))
                    functions = [(function, changed, end)]
            roles.append(Role(hovedtype, enheds, name, functions))
        audited = form in (60, 90, 100) or (form == 80 and not company.audit_waived and rng.random() < 0.5)
        if audited and self.auditors:
            auditor = self.auditors[rng.randrange(len(self.auditors))]
            since = random_date(rng, company.founded, last_day)
            roles.append(
                Role("REVISION", auditor.enheds, auditor.name, [("REVISION", since, end)], company_cvr=auditor.cvr)
            )
        return roles


# ---------------------------------------------------------------------------------------------- background companies
LEGAL_FORM_MIX = ((10, 33), (80, 45), (60, 6), (115, 9), (110, 3), (90, 3), (100, 1))
SIZE_MIX = {
    10: (("none", 70), ("micro", 30)),
    80: (("none", 30), ("micro", 56), ("small", 11), ("medium", 2.5), ("large", 0.5)),
    60: (("none", 5), ("micro", 35), ("small", 35), ("medium", 18), ("large", 7)),
    90: (("none", 30), ("micro", 35), ("small", 20), ("medium", 12), ("large", 3)),
    100: (("none", 10), ("micro", 30), ("small", 30), ("medium", 22), ("large", 8)),
    110: (("none", 80), ("micro", 18), ("small", 2)),
    115: (("none", 85), ("micro", 15)),
}
LATEST_EVENT = AS_OF - dt.timedelta(days=14)


class BackgroundCompanies(World):
    """Makes background companies one at a time from whatever random stream is set as `rng`.

    Reuses the world's rules for names, registry edge cases and update stamps, but keeps no registry of used
    names (the real register has repeated names too), so it holds no state across companies.
    """

    def __init__(self, reference: Reference, seed: int) -> None:
        super().__init__(reference, 1.0, seed)
        self.kommuner = sorted(reference.municipalities)
        self.kommune_weights = [voc.KOMMUNE_WEIGHTS.get(code, 1) for code in self.kommuner]
        self.areas = sorted(voc.AREA_INDUSTRIES)
        self.forms, self.form_weights = zip(*LEGAL_FORM_MIX, strict=True)
        self.sizes = {form: tuple(zip(*mix_, strict=True)) for form, mix_ in SIZE_MIX.items()}

    def unique_name(self, base: str, suffix: str) -> str:
        return f"{base} {suffix}".strip()

    def company(self, cvr: int, enheds: int) -> Company:
        rng = self.rng
        form = rng.choices(self.forms, weights=self.form_weights)[0]
        area = self.areas[rng.randrange(len(self.areas))]
        classes, weights = self.sizes[form]
        size = rng.choices(classes, weights=weights)[0]
        if size == "none":
            employees = 0
        else:
            low, high = voc.SIZE_RANGES[size]
            employees = round(low * (high / low) ** rng.random())
        if form in (110, 115):
            name, industry = (
                self.unique_name(f"Foreningen {rng.choice(voc.NAME_HEADS)}{rng.choice(voc.NAME_TAILS)}", ""),
                voc.ASSOCIATION_INDUSTRY,
            )
        elif form in (90, 100):
            name = self.unique_name(f"Fonden {rng.choice(voc.NAME_HEADS)}{rng.choice(voc.NAME_TAILS)}", "")
            industry = voc.ASSOCIATION_INDUSTRY if form == 90 else rng.choice(voc.AREA_INDUSTRIES[area])
        else:
            name, industry = self.firm_name(area, form), rng.choice(voc.AREA_INDUSTRIES[area])
        # Founding years lean recent, as in the register.
        founded_year = 1950 + int((AS_OF.year - 1950) * rng.random() ** 0.6)
        founded = random_date(rng, dt.date(founded_year, 1, 1), min(dt.date(founded_year, 12, 31), LATEST_EVENT))
        company = Company(
            cvr=cvr,
            enheds=enheds,
            kind="firm",
            name=name,
            founded=founded,
            kommune=rng.choices(self.kommuner, weights=self.kommune_weights)[0],
            street=rng.choice(voc.STREETS),
            house_no=rng.randrange(1, 160),
            legal_form=form,
            industry=industry,
            employees=employees,
            growth=rng.uniform(0.94, 1.12),
        )
        self.add_edge_cases(company, area)
        self.fate(company)
        company.updated = self.updated(company)
        return company

    def fate(self, company: Company) -> None:
        """Many registered companies have ceased or gone bankrupt: about a fifth here."""
        rng = self.rng
        earliest = company.founded + dt.timedelta(days=200)
        if earliest >= LATEST_EVENT:
            return
        roll = rng.random()
        if roll < 0.21:
            company.status, company.status_since = "OPHØRT", random_date(rng, earliest, LATEST_EVENT)
        elif roll < 0.25:
            konkurs = random_date(rng, earliest, LATEST_EVENT - dt.timedelta(days=420))
            if konkurs > earliest:
                company.status, company.konkurs_since = "OPLØST EFTER KONKURS", konkurs
                company.status_since = konkurs + dt.timedelta(days=rng.randrange(180, 420))
        elif roll < 0.26:
            company.status = "UNDER KONKURS"
            company.status_since = random_date(rng, max(earliest, dt.date(2023, 1, 1)), LATEST_EVENT)


# ---------------------------------------------------------------------------------------------- chunked CVR file
@dataclass
class _Job:
    """Everything a chunk needs; set in the parent before worker processes fork, so it is never pickled."""

    reference: Reference
    seed: int
    slots: CvrSlots
    background: int
    chunk_size: int
    level: int
    roles: RoleMaker
    world_by_chunk: dict[int, list[tuple[int | None, Company]]]
    """Chunk -> (role index, or None for an organisation that keeps its designed roles; company)."""


_JOB: _Job | None = None
_MAKER: BackgroundCompanies | None = None


def _chunk(chunk_no: int) -> tuple[int, bytes, bytes]:
    """One chunk of the CVR file: (records, decompressed bytes, one gzip member of them)."""
    global _MAKER
    job = _JOB
    assert job is not None
    if _MAKER is None:
        _MAKER = BackgroundCompanies(job.reference, job.seed)
    rng = random.Random(f"{job.seed}/national/{chunk_no}")
    _MAKER.rng = rng
    companies = []
    for index in range(chunk_no * job.chunk_size, min(job.background, (chunk_no + 1) * job.chunk_size)):
        company = _MAKER.company(job.slots.cvr(index), BACKGROUND_ENHEDS + index)
        company.relations = job.roles.roles(company, index, rng)
        companies.append(company)
    for role_index, company in job.world_by_chunk.get(chunk_no, ()):
        if role_index is not None:
            company.relations = job.roles.roles(company, role_index, rng)
        companies.append(company)
    companies.sort(key=lambda company: company.cvr)
    builder = CvrDocumentBuilder(job.reference)
    raw = b"".join([dumps_line(builder.hit(company)) for company in companies])
    return len(companies), raw, gzip.compress(raw, compresslevel=job.level, mtime=0)


def _install_job(job: _Job | None) -> None:
    """Worker initialiser: the job every chunk of this run reads (sent once per worker)."""
    global _JOB
    _JOB = job


def _ordered(function: Callable, items: Iterable, workers: int, job: _Job | None = None) -> Iterator:
    """`map` over worker processes, in order, with at most 2 results per worker waiting in memory.

    Workers come from a fork server, not a fork of this process: a process that has run DuckDB queries has its
    worker threads, and a fork taken while one of them holds a lock deadlocks in the child (seen in the test
    suite once landing ran in DuckDB)."""
    if workers <= 1:
        yield from map(function, items)
        return
    with multiprocessing.get_context("forkserver").Pool(workers, initializer=_install_job, initargs=(job,)) as pool:
        pending: collections.deque = collections.deque()
        for item in items:
            pending.append(pool.apply_async(function, (item,)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
        # Every result is in: let the workers finish and wait for them. Leaving the block alone would terminate
        # them with SIGTERM, which a worker ignores when its parent was started with SIGTERM ignored (seen in a
        # CI run: a worker blocked on the job queue's lock, and the pool's exit waited for it forever).
        pool.close()
        pool.join()


class _MemberWriter:
    """Writes gzip members to a file and hashes the decompressed bytes, as the sample's manifest records them."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("wb")
        self.sha = hashlib.sha256()
        self.records = self.bytes = 0

    def add(self, records: int, raw: bytes, member: bytes) -> None:
        self.sha.update(raw)
        self.write(records, len(raw), member)

    def write(self, records: int, size: int, member: bytes) -> None:
        """A member whose decompressed bytes were hashed already (`sha.update`), in order."""
        self.handle.write(member)
        self.records += records
        self.bytes += size

    def close(self) -> dict:
        self.handle.close()
        return {"records": self.records, "sha256": self.sha.hexdigest(), "bytes": self.bytes}


class NationalWriter(SampleWriter):
    """The sample writer without the deliberately bad records; the CVR file is written in chunks (`write_cvr`)."""

    with_bad_records = False


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def generate_national(
    out_dir: Path,
    sizes: NationalSizes | None = None,
    seed: int = DEFAULT_SEED,
    workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    level: int = DEFAULT_LEVEL,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the national data set under `out_dir`; return the manifest (also written as MANIFEST.json).

    The content depends on `sizes`, `seed` and `chunk_size` only, never on `workers`.
    """
    global _JOB
    sizes = sizes or NationalSizes()
    sizes.check()
    out_dir = Path(out_dir)
    workers = default_workers() if workers is None else workers
    say = progress or (lambda message: None)
    started = time.perf_counter()
    reference = load_reference()
    slots = CvrSlots(sizes.companies, seed)
    world = NationalWorld(reference, seed, sizes, slots).build()
    world_companies = world.written_companies()
    background = sizes.companies - len(world_companies)
    if background < 0:
        raise ValueError(f"companies must be at least {len(world_companies)} (the cluster world alone)")
    organisation_cvrs = {org.cvr for org in world.organisations}
    world_people = {role.enheds for org in world.organisations for role in org.roles}
    if sizes.participants <= len(world_people):
        raise ValueError(f"participants must exceed {len(world_people)} (the organisations' own)")
    auditors = sorted(
        {Auditor(r.enheds, r.name, r.company_cvr) for o in world.organisations for r in o.roles if r.company_cvr},
        key=lambda auditor: auditor.cvr,
    )
    others = sorted((c for c in world_companies if c.cvr not in organisation_cvrs), key=lambda c: c.cvr)
    role_index = {company.cvr: background + rank for rank, company in enumerate(others)}
    roles = RoleMaker(background + len(others), sizes.participants - len(world_people), seed, auditors)
    world_by_chunk: dict[int, list[tuple[int | None, Company]]] = {}
    for company in world_companies:
        chunk_no = slots.slot_of(company.cvr) // chunk_size
        world_by_chunk.setdefault(chunk_no, []).append((role_index.get(company.cvr), company))
    say(
        f"world: {len(world.organisations)} organisations, {len(world_companies)} companies "
        f"({time.perf_counter() - started:.1f} s); background: {background} companies"
    )

    _JOB = _Job(reference, seed, slots, background, chunk_size, level, roles, world_by_chunk)
    writer = NationalWriter(world, reference, out_dir)
    try:
        cvr = _MemberWriter(out_dir / CVR_FILE)
        chunks = math.ceil(sizes.companies / chunk_size)
        for done, (records, raw, member) in enumerate(_ordered(_chunk, range(chunks), workers, _JOB), start=1):
            cvr.add(records, raw, member)
            if done % 20 == 0 or done == chunks:
                say(f"cvr: {cvr.records} companies ({time.perf_counter() - started:.1f} s)")
        writer.files[CVR_FILE] = cvr.close()
    finally:
        _JOB = None
    writer.write_annual_reports()
    writer.write_designations()
    writer.write_submissions()
    writer.write_labels()
    memberships = sum(len(org.members_in(org.profile.submission_years[-1])) for org in world.organisations)
    manifest = writer.manifest() | {
        "generator": "clusterscore.sample.national",
        "national": {
            "version": NATIONAL_VERSION,
            "sample_generator_version": GENERATOR_VERSION,
            "requested": asdict(sizes),
            "companies": writer.files[CVR_FILE]["records"],
            "participants": len(world_people) + roles.participants,
            "organisations": len(world.organisations),
            "memberships": memberships,
            "chunk_size": chunk_size,
            "gzip_level": level,
        },
        "members_not_in_cvr": world.members_not_in_cvr(),
    }
    write_manifest(out_dir, manifest)
    return manifest


def write_manifest(out_dir: Path, manifest: dict) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    (out_dir / "MANIFEST.json").write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------- the changed variant
CHANGE_KINDS = ("employment", "board", "address")


class _Changer:
    """Changes one CVR hit in place as the next night's registry would: a new `sidstOpdateret`, and one of a
    new employment figure, a board or management change, or a move. Falls back to employment when the company
    has no open role or address (a ceased one)."""

    def __init__(self, rng: random.Random, reference: Reference) -> None:
        self.rng, self.builder = rng, CvrDocumentBuilder(reference)
        self.kommuner = sorted(voc.POSTCODES)
        self.people: collections.deque = collections.deque(maxlen=5000)
        """Persons seen in earlier changed documents: successors come from them, so no new participant appears."""

    def change(self, hit: dict) -> str:
        doc = hit["_source"]["Vrvirksomhed"]
        rng = self.rng
        doc["sidstOpdateret"] = f"{AS_OF.isoformat()}T0{rng.randrange(1, 6)}:{rng.randrange(60):02d}:00.000+01:00"
        wanted = rng.choice(CHANGE_KINDS)
        for kind in (wanted, "employment"):
            if getattr(self, kind)(doc):
                return kind
        raise AssertionError("employment always changes")  # pragma: no cover

    def employment(self, doc: dict) -> bool:
        rng = self.rng
        yearly = doc.get("aarsbeskaeftigelse")
        if not yearly:
            yearly = doc["aarsbeskaeftigelse"] = [{"aar": AS_OF.year - 1, "antalAnsatte": 0, "antalAarsvaerk": 0}]
            doc.setdefault("kvartalsbeskaeftigelse", [])
        latest = max(yearly, key=lambda item: item["aar"])
        known = latest.get("antalAnsatte")
        if known is None:  # bands only: move to a neighbouring band, so the change is visible
            band = latest.get("intervalKodeAntalAnsatte") or "ANTAL_0_0"
            low, high = next((low, high) for low, high, code in voc.EMPLOYMENT_BANDS if code == band)
            count = high + 1 if high < voc.EMPLOYMENT_BANDS[-1][1] else low - 1
        else:
            count = max(0, known + rng.choice((-3, -2, -1, 1, 2, 3, 5)))
            count = count if count != known else known + 1
        fte = max(1, round(count * 0.88)) if count else 0
        latest.update(
            antalAnsatte=count if known is not None else None,
            antalAarsvaerk=fte if known is not None else None,
            intervalKodeAntalAnsatte=voc.employment_band(count),
            intervalKodeAntalAarsvaerk=voc.employment_band(fte),
        )
        metadata = doc.get("virksomhedMetadata")
        if metadata is not None:
            metadata["nyesteAarsbeskaeftigelse"] = {
                k: latest[k] for k in ("aar", "antalAnsatte", "intervalKodeAntalAnsatte")
            }
        return True

    def board(self, doc: dict) -> bool:
        rng = self.rng
        relations = doc.get("deltagerRelation") or []
        present = {relation["deltager"]["enhedsNummer"] for relation in relations}
        open_seats = [
            (relation, organisation, value)
            for relation in relations
            if relation["deltager"]["enhedstype"] == "PERSON"
            for organisation in relation["organisationer"]
            for data in organisation["medlemsData"]
            for attribute in data["attributter"]
            for value in attribute["vaerdier"]
            if value["periode"]["gyldigTil"] is None
        ]
        for relation in relations:
            if relation["deltager"]["enhedstype"] == "PERSON":
                self.people.append((relation["deltager"]["enhedsNummer"], relation["deltager"]["navne"][0]["navn"]))
        if not open_seats:
            return False
        relation, organisation, value = open_seats[rng.randrange(len(open_seats))]
        value["periode"]["gyldigTil"] = iso(AS_OF - ONE_DAY)
        successors = [person for person in self.people if person[0] not in present]
        if successors:
            enheds, name = successors[rng.randrange(len(successors))]
            role = Role(organisation["hovedtype"], enheds, name, [(value["vaerdi"], AS_OF, None)])
            relations.append(self.builder.relation(role))
        return True

    def address(self, doc: dict) -> bool:
        rng = self.rng
        addresses = doc.get("beliggenhedsadresse") or []
        current = [item for item in addresses if item["periode"]["gyldigTil"] is None]
        if not current:
            return False
        current[0]["periode"]["gyldigTil"] = iso(AS_OF - ONE_DAY)
        moved = self.builder.address(rng.choice(self.kommuner), rng.choice(voc.STREETS), rng.randrange(1, 160))
        addresses.append(moved | {"periode": {"gyldigFra": iso(AS_OF), "gyldigTil": None}})
        metadata = doc.get("virksomhedMetadata")
        if metadata is not None:
            metadata["nyesteBeliggenhedsadresse"] = moved
        return True


def _compress(block: tuple[int, bytes, int]) -> tuple[int, int, bytes]:
    """(records, decompressed size, gzip member): the bytes themselves are not sent back."""
    records, raw, level = block
    return records, len(raw), gzip.compress(raw, compresslevel=level, mtime=0)


def write_changed(
    source_dir: Path,
    out_dir: Path,
    share: float = 0.01,
    seed: int = DEFAULT_SEED,
    workers: int | None = None,
    level: int = DEFAULT_LEVEL,
) -> dict:
    """Write `source_dir`'s data set again under `out_dir` with `share` of its companies changed; return the manifest.

    Unchanged lines are copied byte for byte; the other files are copied as they are. The manifest lists the
    changed CVR numbers and what changed, so an incremental refresh can be checked against them.
    """
    source_dir, out_dir = Path(source_dir), Path(out_dir)
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    if source_dir.resolve() == out_dir.resolve():
        raise ValueError("write the changed variant to another folder")
    source = json.loads((source_dir / "MANIFEST.json").read_text(encoding="utf-8"))
    total = source["files"][CVR_FILE]["records"]
    count = round(share * total)
    rng = random.Random(f"{seed}/changed/{share}")
    chosen = set(rng.sample(range(total), count))
    changer = _Changer(rng, load_reference())
    kinds: collections.Counter = collections.Counter()
    changed_cvrs: list[int] = []
    chunk = source.get("national", {}).get("chunk_size", DEFAULT_CHUNK)

    cvr = _MemberWriter(out_dir / CVR_FILE)

    def blocks() -> Iterator[tuple[int, bytes, int]]:
        """Blocks of lines in file order, hashed here, so worker processes only compress."""
        lines: list[bytes] = []
        with gzip.open(source_dir / CVR_FILE, "rb") as handle:
            for index, line in enumerate(handle):
                if index in chosen:
                    hit = orjson.loads(line)
                    kinds[changer.change(hit)] += 1
                    changed_cvrs.append(hit["_source"]["Vrvirksomhed"]["cvrNummer"])
                    line = dumps_line(hit)
                lines.append(line)
                if len(lines) == chunk:
                    raw, lines = b"".join(lines), []
                    cvr.sha.update(raw)
                    yield chunk, raw, level
        if lines:
            raw = b"".join(lines)
            cvr.sha.update(raw)
            yield len(lines), raw, level

    workers = default_workers() if workers is None else workers
    for records, size, member in _ordered(_compress, blocks(), workers):
        cvr.write(records, size, member)
    figures = cvr.close()
    for name in FILES:
        if name != CVR_FILE:
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source_dir / name, out_dir / name)
    manifest = source | {
        "files": source["files"] | {CVR_FILE: figures},
        "changed": {
            "from_cvr_sha256": source["files"][CVR_FILE]["sha256"],
            "seed": seed,
            "share": share,
            "companies": count,
            "kinds": dict(sorted(kinds.items())),
            "updated_on": iso(AS_OF),
            "cvr_numbers": sorted(changed_cvrs),
        },
    }
    write_manifest(out_dir, manifest)
    return manifest


# ---------------------------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    """python -m clusterscore.sample.national --out DIR [sizes] | --changed-from DIR --out DIR2"""
    parser = argparse.ArgumentParser(prog="python -m clusterscore.sample.national", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--companies", type=int, default=DEFAULT_COMPANIES)
    parser.add_argument("--participants", type=int, default=DEFAULT_PARTICIPANTS)
    parser.add_argument("--organisations", type=int, default=DEFAULT_ORGANISATIONS)
    parser.add_argument("--memberships", type=int, default=DEFAULT_MEMBERSHIPS)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--changed-from", type=Path, default=None)
    parser.add_argument("--changed-share", type=float, default=0.01)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.changed_from:
        manifest = write_changed(args.changed_from, args.out, args.changed_share, args.seed, args.workers)
    else:
        sizes = NationalSizes(args.companies, args.participants, args.organisations, args.memberships)
        manifest = generate_national(args.out, sizes, args.seed, args.workers, progress=print)
    for name, figures in sorted(manifest["files"].items()):
        print(f"{name}: {figures['records']} records, {figures['bytes']} bytes decompressed")
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["NationalSizes", "generate_national", "write_changed"]
