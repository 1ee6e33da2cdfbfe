"""The synthetic world before it is written out: companies, persons, organisations, memberships and boards.

Everything random is drawn here, from one seeded `random.Random`, in a fixed order; the writers that turn this
world into records (`cvr_documents`, `submissions`, `generator`) only read it. Companies are kept as compact
`Company` specs, so that even at large scale only the specs sit in memory and the CVR documents are built one
at a time while streaming.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from clusterscore.cvr_numbers import CvrAllocator
from clusterscore.sample import vocabulary as voc
from clusterscore.sample.profiles import AS_OF, PROFILES, OrganisationProfile
from clusterscore.sample.reference import Reference

RECENT_FROM = dt.date(AS_OF.year - 4, AS_OF.month, AS_OF.day)
"""Board seats renewed on or after this date count as renewed within the last four years."""
LAST_ACTIVITY = dt.date(2025, 12, 31)
ONE_DAY = dt.timedelta(days=1)

KI_KINDS = ("university", "rto", "education")
KI_CATEGORIES = ("university", "R&D institution", "education provider")
CATEGORY_BY_KIND = {
    "university": "university",
    "rto": "R&D institution",
    "education": "education provider",
    "consultant": "consultant",
    "finance": "financial intermediary",
    "association": "other",
}


def iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def slug(name: str) -> str:
    text = name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa").replace("&", "and")
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text).split())


@dataclass(slots=True)
class Company:
    """Everything needed to write one CVR document."""

    cvr: int
    enheds: int
    kind: str
    name: str
    founded: dt.date
    kommune: int
    street: str
    house_no: int
    legal_form: int
    industry: tuple[str, str]
    employees: int
    """Headcount in 2025 (the level the yearly series is built around)."""
    growth: float = 1.0
    employment_mode: str = "full"
    """full: counts and bands; interval: bands only (antalAnsatte null); none: no employment arrays."""
    status: str = "NORMAL"
    status_since: dt.date | None = None
    """OPHØRT: ceased on; UNDER KONKURS: konkurs since; OPLØST EFTER KONKURS: dissolved on."""
    konkurs_since: dt.date | None = None
    former_name: str | None = None
    renamed_on: dt.date | None = None
    former_address: tuple[int, str, int] | None = None
    moved_on: dt.date | None = None
    has_metadata: bool = True
    audit_waived: bool | None = False
    updated: str = ""
    relations: list | None = None
    employee_series: dict[int, int] | None = None
    purpose: str | None = None

    @property
    def end_date(self) -> dt.date | None:
        """The day the company stopped normal activity (ceased, or went into konkurs), if it did."""
        if self.status == "NORMAL":
            return None
        if self.status == "OPLØST EFTER KONKURS":
            return self.konkurs_since
        return self.status_since

    @property
    def closed_on(self) -> dt.date | None:
        """The day the registry closed the company's name, address and other periods (ceased, dissolved)."""
        return self.status_since if self.status in ("OPHØRT", "OPLØST EFTER KONKURS") else None

    def active_at(self, day: dt.date) -> bool:
        end = self.end_date
        return end is None or end > day

    def employment_by_year(self) -> dict[int, int]:
        if self.employee_series is not None:
            return dict(self.employee_series)
        end = self.end_date
        years = {}
        for year in range(max(self.founded.year, 2021), 2026):
            if end is not None and year >= end.year:
                break
            years[year] = max(0, round(self.employees * self.growth ** (year - 2025)))
        return years

    def latest_employees(self) -> int:
        series = self.employment_by_year()
        return series[max(series)] if series else self.employees


@dataclass(slots=True)
class Party:
    """A member as its organisation sees it: a company in CVR, a foreign firm, or a CVR number CVR lacks."""

    cvr: int | None
    foreign_id: str | None
    name: str
    country: str
    category: str
    size: str
    company: Company | None = None

    def active_at(self, day: dt.date) -> bool:
        return self.company is None or self.company.active_at(day)


@dataclass(slots=True)
class Membership:
    party: Party
    since: dt.date
    basis: str
    joined_year: int
    left_year: int | None = None
    zombie: bool = False
    """Still claimed although its company has ceased (a claim discrepancy)."""
    size_mismatch: bool = False

    def listed(self, year: int) -> bool:
        if self.joined_year > year or (self.left_year is not None and year >= self.left_year):
            return False
        return self.zombie or self.party.active_at(dt.date(year, 12, 31))

    @property
    def claimed_size(self) -> str:
        if not self.size_mismatch:
            return self.party.size
        return {"micro": "small", "small": "medium", "medium": "large", "large": "medium"}[self.party.size]


@dataclass(slots=True)
class Role:
    """One person's (or auditor's) relation to an organisation in the registry."""

    hovedtype: str
    enheds: int
    name: str
    functions: list[tuple[str, dt.date, dt.date | None]]
    affiliation_type: str | None = None
    affiliation_cvr: int | None = None
    company_cvr: int | None = None
    """For an auditor: its CVR number (deltager enhedstype VIRKSOMHED)."""

    def function_at(self, day: dt.date) -> str | None:
        for function, start, end in self.functions:
            if start <= day and (end is None or day <= end):
                return function
        return None


@dataclass
class Organisation:
    profile: OrganisationProfile
    copy_no: int
    name: str
    company: Company
    factor: float
    memberships: list[Membership] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    claimed_extra: list[int] = field(default_factory=list)
    """Affiliation CVRs of board seats the submission claims but the registry does not hold."""

    @property
    def key(self) -> str:
        return self.profile.key if self.copy_no == 0 else f"{self.profile.key}-{self.copy_no + 1}"

    @property
    def cvr(self) -> int:
        return self.company.cvr

    def members_in(self, year: int) -> list[Membership]:
        listed = [m for m in self.memberships if m.listed(year)]
        return sorted(listed, key=lambda m: (m.since, m.party.name, m.party.cvr or 0))

    def board_at(self, day: dt.date) -> list[tuple[Role, str]]:
        seats = []
        for role in self.roles:
            if role.hovedtype != "LEDELSESORGAN":
                continue
            function = role.function_at(day)
            if function is not None:
                seats.append((role, function))
        order = {"FORMAND": 0, "NÆSTFORMAND": 1, "BESTYRELSESMEDLEM": 2}
        seats.sort(key=lambda item: (order[item[1]], item[0].functions[0][1], item[0].enheds))
        return seats


class World:
    """Builds all companies, organisations, memberships and board roles for one seed and scale."""

    ENHEDS_RANGE = (4_000_000_000, 5_000_000_000)
    """Where random enhedsNummer are drawn; the national generator keeps its own numbers outside it."""

    def __init__(self, reference: Reference, scale: float, seed: int) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.reference = reference
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        self.cvrs = CvrAllocator(self.rng)
        self._enheds: set[int] = set()
        self._names: set[str] = set()
        self._foreign_ids: set[str] = set()
        self.companies: list[Company] = []
        self.organisations: list[Organisation] = []
        self.copies = max(1, min(10, round(scale)))
        self.factor = scale / self.copies
        self._shareable: list[Company] = []
        self._kommuner_by_region: dict[int, tuple[list[int], list[int]]] = {}
        for code, municipality in reference.municipalities.items():
            codes, weights = self._kommuner_by_region.setdefault(municipality.region_code, ([], []))
            codes.append(code)
            weights.append(voc.KOMMUNE_WEIGHTS.get(code, 1))
        self.bad_company: Company | None = None
        self.missing_hit_key: int = 0

    # ------------------------------------------------------------------ identities
    def enheds(self) -> int:
        while True:
            number = self.rng.randrange(*self.ENHEDS_RANGE)
            if number not in self._enheds:
                self._enheds.add(number)
                return number

    def unique_name(self, base: str, suffix: str) -> str:
        candidate = f"{base} {suffix}".strip()
        attempt = 0
        while candidate in self._names:
            attempt += 1
            qualifier = voc.NAME_QUALIFIERS[attempt - 1] if attempt <= len(voc.NAME_QUALIFIERS) else str(attempt)
            candidate = f"{base} {qualifier} {suffix}".strip()
        self._names.add(candidate)
        return candidate

    def firm_name(self, area: str, legal_form: int) -> str:
        rng = self.rng
        base = rng.choice(voc.NAME_HEADS) + rng.choice(voc.NAME_TAILS)
        words = voc.AREA_WORDS.get(area, voc.AREA_WORDS["digital"])
        if rng.random() < 0.7:
            base = f"{base} {rng.choice(words)}"
        return self.unique_name(base, voc.LEGAL_SUFFIX[legal_form])

    def person_name(self) -> str:
        rng = self.rng
        first = rng.choice(voc.FIRST_NAMES)
        if rng.random() < 0.3:
            first = f"{first} {rng.choice(voc.FIRST_NAMES)}"
        return f"{first} {rng.choice(voc.LAST_NAMES)}"

    def place_name(self, index: int) -> str:
        heads, tails = voc.PLACE_HEADS, voc.PLACE_TAILS
        combo = heads[index % len(heads)] + tails[(index // len(heads) + index) % len(tails)]
        return combo if index < len(heads) * len(tails) else f"{combo} {index // (len(heads) * len(tails)) + 1}"

    def foreign_party(self, area: str) -> Party:
        rng = self.rng
        country, suffix, prefix, digits = rng.choice(voc.FOREIGN)
        while True:
            foreign_id = prefix + "".join(str(rng.randrange(10)) for _ in range(digits))
            if foreign_id not in self._foreign_ids:
                self._foreign_ids.add(foreign_id)
                break
        name = self.firm_name(area, 10)
        name = f"{name} {suffix}"
        size = rng.choices(voc.SIZE_CLASSES, weights=(30, 35, 22, 13))[0]
        return Party(None, foreign_id, name, country, "SME" if size != "large" else "non-SME", size)

    # ------------------------------------------------------------------ places and times
    def kommune(self, regions: tuple[int, ...], home_region: int, home_weight: float) -> int:
        rng = self.rng
        if home_region in regions and (len(regions) == 1 or rng.random() < home_weight):
            region = home_region
        else:
            others = [r for r in regions if r != home_region] or [home_region]
            region = rng.choice(others)
        codes, weights = self._kommuner_by_region[region]
        return rng.choices(codes, weights=weights)[0]

    def region_of(self, company: Company) -> int:
        return self.reference.municipalities[company.kommune].region_code

    def updated(self, company: Company) -> str:
        end = company.closed_on or company.end_date
        day = end if end is not None else random_date(self.rng, dt.date(2024, 1, 1), dt.date(2026, 10, 30))
        offset = "+02:00" if 4 <= day.month <= 10 else "+01:00"
        hh, mm, ss = self.rng.randrange(1, 6), self.rng.randrange(60), self.rng.randrange(60)
        return f"{day.isoformat()}T{hh:02d}:{mm:02d}:{ss:02d}.000{offset}"

    # ------------------------------------------------------------------ companies
    def add_company(self, company: Company) -> Company:
        company.updated = self.updated(company)
        self.companies.append(company)
        return company

    def new_company(
        self,
        kind: str,
        area: str,
        kommune: int,
        founded_before: dt.date,
        size: str | None = None,
        *,
        edge_cases: bool = True,
    ) -> Company:
        rng = self.rng
        if kind == "university":
            employees, legal_form, industry = rng.randrange(1500, 9000), 90, voc.UNIVERSITY_INDUSTRY
        elif kind == "rto":
            employees, legal_form, industry = rng.randrange(120, 900), 90, voc.RTO_INDUSTRY
        elif kind == "education":
            employees, legal_form, industry = rng.randrange(150, 800), 90, voc.EDUCATION_INDUSTRY
        elif kind == "auditor":
            employees = rng.randrange(40, 3000)
            legal_form, industry = rng.choice((60, 80)), voc.AUDITOR_INDUSTRY
        else:
            if size is None:
                size = rng.choices(voc.SIZE_CLASSES[:3], weights=(45, 35, 20))[0]
            low, high = voc.SIZE_RANGES[size]
            employees = round(low * (high / low) ** rng.random())
            if kind == "association":
                legal_form, industry = 115, voc.ASSOCIATION_INDUSTRY
            else:
                if size == "large":
                    legal_form = 60
                elif size == "medium":
                    legal_form = 60 if rng.random() < 0.4 else 80
                else:
                    legal_form = rng.choices((80, 60, 10), weights=(85, 10, 5))[0]
                if kind == "consultant":
                    industry = voc.CONSULTANT_INDUSTRY
                elif kind == "finance":
                    industry = voc.FINANCE_INDUSTRY
                else:
                    industry = rng.choice(voc.AREA_INDUSTRIES.get(area, voc.DEFAULT_INDUSTRIES))
        if kind in KI_KINDS:
            founded = random_date(rng, dt.date(1930, 1, 1), dt.date(1995, 12, 31))
            name = self.ki_name(kind)
        else:
            founded = random_date(rng, dt.date(1975, 1, 1), founded_before - dt.timedelta(days=180))
            if kind == "auditor":
                name = self.unique_name(f"{rng.choice(voc.LAST_NAMES)} Revision", voc.LEGAL_SUFFIX[legal_form])
            elif kind == "association":
                name = self.unique_name(f"Foreningen {rng.choice(voc.NAME_HEADS)}{rng.choice(voc.NAME_TAILS)}", "")
            else:
                name = self.firm_name(area, legal_form)
        company = Company(
            cvr=self.cvrs.next(),
            enheds=self.enheds(),
            kind=kind,
            name=name,
            founded=founded,
            kommune=kommune,
            street=rng.choice(voc.STREETS),
            house_no=rng.randrange(1, 160),
            legal_form=legal_form,
            industry=industry,
            employees=employees,
            growth=rng.uniform(0.94, 1.12),
        )
        if edge_cases and kind not in KI_KINDS:
            self.add_edge_cases(company, area)
        return self.add_company(company)

    def ki_name(self, kind: str) -> str:
        place = self.place_name(self.rng.randrange(len(voc.PLACE_HEADS) * len(voc.PLACE_TAILS)))
        if kind == "university":
            return self.unique_name(f"{place} Universitet", "")
        if kind == "rto":
            return self.unique_name(f"{place} Teknologicenter", "")
        return self.unique_name(f"Erhvervsakademi {place}", "")

    def add_edge_cases(self, company: Company, area: str) -> None:
        """Registry quirks, each for a few percent of companies."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:
            company.employment_mode = "none"
        elif roll < 0.10:
            company.employment_mode = "interval"
        if rng.random() < 0.03:
            company.has_metadata = False
        if rng.random() < 0.06:
            renamed = random_date(
                rng, max(company.founded + dt.timedelta(days=400), dt.date(2015, 1, 1)), dt.date(2025, 6, 30)
            )
            if renamed > company.founded:
                company.former_name = company.name
                company.name = self.firm_name(area, company.legal_form)
                company.renamed_on = renamed
        if rng.random() < 0.05:
            moved = random_date(
                rng, max(company.founded + dt.timedelta(days=300), dt.date(2014, 1, 1)), dt.date(2026, 3, 31)
            )
            if moved > company.founded:
                old_kommune = rng.choice(list(voc.POSTCODES))
                company.former_address = (old_kommune, rng.choice(voc.STREETS), rng.randrange(1, 120))
                company.moved_on = moved
        if company.legal_form in (60, 80):
            company.audit_waived = company.legal_form == 80 and company.employees < 50 and rng.random() < 0.08
        else:
            company.audit_waived = None

    def give_fate(self, company: Company, listed_through: int) -> None:
        """Maybe end the company after the last year it must still be active in (ceased or bankrupt)."""
        rng = self.rng
        if listed_through >= 2025:
            return
        start = dt.date(listed_through + 1, 1, 1)
        roll = rng.random()
        if roll < 0.04:
            company.status, company.status_since = "OPHØRT", random_date(rng, start, LAST_ACTIVITY)
        elif roll < 0.06:
            company.status = "UNDER KONKURS"
            company.status_since = random_date(rng, max(start, dt.date(2023, 1, 1)), LAST_ACTIVITY)
        elif roll < 0.075 and listed_through <= 2023:
            konkurs = random_date(rng, start, dt.date(2024, 12, 31))
            company.status, company.konkurs_since = "OPLØST EFTER KONKURS", konkurs
            company.status_since = konkurs + dt.timedelta(days=rng.randrange(180, 420))
        else:
            return
        company.updated = self.updated(company)

    # ------------------------------------------------------------------ the world
    def build(self) -> World:
        self.build_pools()
        for profile, copy_no, name in self.organisation_plan():
            self.organisations.append(self.build_organisation(profile, copy_no, name))
        return self

    def build_pools(self) -> None:
        """Knowledge institutions and auditors shared by all organisations, and the deliberately bad company."""
        rng = self.rng
        scale = self.scale
        all_regions = sorted(self._kommuner_by_region)
        pool_sizes = {"university": 8, "rto": 7, "education": 8}
        self.knowledge_pool: list[Company] = []
        for kind, base in pool_sizes.items():
            for _ in range(max(1, round(base * scale))):
                region = rng.choice(all_regions)
                codes, weights = self._kommuner_by_region[region]
                kommune = rng.choices(codes, weights=weights)[0]
                self.knowledge_pool.append(self.new_company(kind, "", kommune, AS_OF))
        self.auditors = [
            self.new_company("auditor", "", rng.choice(list(voc.POSTCODES)), dt.date(2000, 1, 1), edge_cases=False)
            for _ in range(4 + 2 * self.copies)
        ]
        # The deliberately invalid CVR number: a company nobody refers to.
        self.bad_company = self.new_company("firm", "digital", 751, dt.date(2015, 1, 1), "small", edge_cases=False)
        self.cvrs.reserve(self.bad_company.cvr)
        self.bad_company.cvr = self.cvrs.next_invalid()
        self.missing_hit_key = self.rng.randrange(10_000_000, 100_000_000)
        self.missing_hit_enheds = self.enheds()

    def organisation_plan(self, count: int | None = None) -> Iterator[tuple[OrganisationProfile, int, str]]:
        """(profile, copy number, name) of each organisation: the profiles in turn, copies under invented names.

        `count` defaults to every profile once per copy; a national data set asks for any number.
        """
        count = self.copies * len(PROFILES) if count is None else count
        used_places = {profile.place for profile in PROFILES}
        place_index = 0
        for number in range(count):
            copy_no, profile = number // len(PROFILES), PROFILES[number % len(PROFILES)]
            if copy_no == 0:
                name = profile.name
            else:
                while True:
                    place = self.place_name(place_index)
                    place_index += 1
                    if place not in used_places:
                        used_places.add(place)
                        break
                name = f"{place} {profile.suffix}"
            yield profile, copy_no, name

    def build_organisation(
        self, profile: OrganisationProfile, copy_no: int, name: str, factor: float | None = None
    ) -> Organisation:
        """One organisation with its CVR company, members and roles; `factor` scales its membership."""
        rng = self.rng
        founded = date(profile.founded)
        industry = voc.FOR_PROFIT_ORGANISATION_INDUSTRY if profile.legal_form == 80 else voc.ORGANISATION_INDUSTRY
        area_name = self.reference.business_areas.get(profile.business_area_code, profile.business_area_code)
        series = {
            year: count
            for year, count in zip(range(2021, 2026), profile.finance.employees, strict=True)
            if count is not None and year >= founded.year
        }
        company = Company(
            cvr=self.cvrs.next(),
            enheds=self.enheds(),
            kind="organisation",
            name=name,
            founded=founded,
            kommune=profile.home_kommune,
            street=rng.choice(voc.STREETS),
            house_no=rng.randrange(1, 80),
            legal_form=profile.legal_form,
            industry=industry,
            employees=series.get(2025, 0),
            employee_series=series,
            has_metadata=profile.has_metadata,
            audit_waived=profile.audit_waived,
            purpose=(
                f"At fremme samarbejde og innovation mellem virksomheder og videninstitutioner inden for "
                f"forretningsområdet {area_name!r} (syntetisk eksempel)."
            ),
        )
        self._names.add(name)
        if profile.former_name and copy_no == 0:
            company.former_name = profile.former_name
            company.renamed_on = date(profile.renamed_on) if profile.renamed_on else None
        if profile.status != "NORMAL":
            company.status = profile.status
            company.status_since = date(profile.status_since) if profile.status_since else None
            if profile.status == "OPLØST EFTER KONKURS":
                company.konkurs_since = company.status_since
        self.add_company(company)
        org = Organisation(profile, copy_no, name, company, self.factor if factor is None else factor)
        self.build_memberships(org)
        self.build_roles(org)
        company.relations = org.roles
        return org

    # ------------------------------------------------------------------ memberships
    def build_memberships(self, org: Organisation) -> None:
        rng = self.rng
        profile = org.profile
        design = profile.members
        years = profile.submission_years
        founded = org.company.founded
        home_region = self.reference.municipalities[profile.home_kommune].region_code
        area = profile.business_area_code
        targets = [max(1, round(count * org.factor)) for count in design.counts]
        discrepancies = profile.discrepancies

        n_ki = min(len(self.knowledge_pool), max(1, round(design.knowledge_institutions * org.factor)))
        if design.knowledge_institutions == 0:
            n_ki = 0
        allowed = set(design.regions)
        nearby = [c for c in self.knowledge_pool if self.region_of(c) in allowed]
        far = [c for c in self.knowledge_pool if self.region_of(c) not in allowed]
        chosen = rng.sample(nearby, min(n_ki, len(nearby)))
        chosen += rng.sample(far, n_ki - len(chosen))
        for company in chosen:
            since = random_date(rng, founded, dt.date(years[0], 12, 31))
            party = self.company_party(company)
            org.memberships.append(Membership(party, since, "signed_membership", since.year))
        taken_cvrs = {company.cvr for company in self.knowledge_pool}
        n_zombies = round(discrepancies.ceased_claimed_share * targets[-1])

        def new_membership(year: int, first: bool, zombie: bool = False) -> Membership:
            start = founded if first else dt.date(year, 1, 1)
            since = random_date(rng, max(start, dt.date(year - 12, 1, 1)), dt.date(year, 12, 31))
            party = self.new_party(design, area, home_region, since, year, taken_cvrs, zombie)
            if party.cvr is not None:
                taken_cvrs.add(party.cvr)
            committed = rng.random() < design.committed_share
            if committed:
                basis = "signed_membership" if rng.random() < 0.6 else "fee_paying"
            else:
                basis = "active_participation" if rng.random() < 0.6 else "in_kind_support"
            mismatch = party.company is not None and rng.random() < discrepancies.size_mismatch_share
            return Membership(party, since, basis, year, zombie=zombie, size_mismatch=mismatch)

        for index, year in enumerate(years):
            if index > 0:
                for membership in org.memberships:
                    if (
                        membership.listed(year - 1)
                        and membership.party.category not in KI_CATEGORIES
                        and rng.random() < design.churn
                    ):
                        membership.left_year = year
            listed = [m for m in org.memberships if m.listed(year)]
            ghosts_wanted = 0
            if discrepancies.not_in_cvr_share and year >= 2024:
                ghosts_wanted = round(discrepancies.not_in_cvr_share * targets[index] * (0.6 if year == 2024 else 1))
            ghosts = sum(1 for m in listed if m.party.company is None and m.party.foreign_id is None)
            while ghosts < ghosts_wanted:
                org.memberships.append(self.ghost_membership(area, year))
                ghosts += 1
            listed = [m for m in org.memberships if m.listed(year)]
            need = targets[index] - len(listed)
            if need < 0:
                leavers = [m for m in listed if m.party.category not in KI_CATEGORIES]
                for membership in rng.sample(leavers, min(-need, len(leavers))):
                    membership.left_year = year
            for number in range(max(0, need)):
                zombie = index == 0 and number < n_zombies
                org.memberships.append(new_membership(year, index == 0, zombie))

    def new_party(
        self,
        design,
        area: str,
        home_region: int,
        since: dt.date,
        year: int,
        taken: set[int],
        zombie: bool,
    ) -> Party:
        rng = self.rng
        if not zombie and rng.random() < design.international_share:
            return self.foreign_party(area)
        if not zombie and self._shareable and rng.random() < 0.05:
            for _ in range(5):
                company = self._shareable[rng.randrange(len(self._shareable))]
                if (
                    company.cvr not in taken
                    and company.end_date is None
                    and company.founded < since
                    and self.region_of(company) in design.regions
                ):
                    return self.company_party(company)
        roll = rng.random()
        if zombie:
            kind = "firm"
        elif roll < design.consultant_share:
            kind = "consultant"
        elif roll < design.consultant_share + design.finance_share:
            kind = "finance"
        elif roll < design.consultant_share + design.finance_share + design.other_share:
            kind = "association"
        else:
            kind = "firm"
        size = None
        if kind == "firm" and rng.random() < design.large_share:
            size = "large"
        elif kind in ("consultant", "association"):
            size = "micro" if rng.random() < 0.6 else "small"
        kommune = self.kommune(design.regions, home_region, design.home_weight)
        company = self.new_company(kind, area, kommune, since, size)
        if zombie:
            company.status = "OPHØRT"
            company.status_since = random_date(rng, dt.date(2023, 3, 1), dt.date(2024, 9, 30))
            company.updated = self.updated(company)
        else:
            self.give_fate(company, year)
            if kind == "firm" and company.end_date is None:
                self._shareable.append(company)
        return self.company_party(company)

    def company_party(self, company: Company) -> Party:
        size = voc.size_class(company.latest_employees())
        if company.kind == "firm":
            category = "SME" if size != "large" else "non-SME"
        else:
            category = CATEGORY_BY_KIND[company.kind]
        return Party(company.cvr, None, company.name, "DK", category, size, company)

    def ghost_membership(self, area: str, year: int) -> Membership:
        """A claimed member whose (valid) CVR number the registry does not know."""
        rng = self.rng
        name = self.firm_name(area, 80)
        size = rng.choices(voc.SIZE_CLASSES[:3], weights=(50, 35, 15))[0]
        party = Party(self.cvrs.next(), None, name, "DK", "SME", size)
        since = random_date(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
        return Membership(party, since, "signed_membership", year)

    # ------------------------------------------------------------------ board, management, auditor
    def build_roles(self, org: Organisation) -> None:
        rng = self.rng
        profile = org.profile
        design = profile.board
        founded = org.company.founded
        last_year = profile.submission_years[-1]
        firms = [
            m.party.cvr
            for m in org.members_in(last_year)
            if m.party.company is not None and m.party.company.kind == "firm" and m.party.company.end_date is None
        ]
        kis = [m.party.cvr for m in org.memberships if m.party.category in ("university", "R&D institution")]
        rng.shuffle(firms)
        if not firms:
            firms = [self.new_company("firm", profile.business_area_code, profile.home_kommune, founded).cvr]
        if not kis:
            kis = [c.cvr for c in self.knowledge_pool if c.kind in ("university", "rto")]
        firm_iter = iter(firms * 10)

        def affiliation(kind: str) -> int | None:
            if kind == "company":
                return next(firm_iter)
            if kind == "knowledge_institution":
                return rng.choice(kis)
            return None

        def person(functions, kind: str) -> Role:
            return Role("LEDELSESORGAN", self.enheds(), self.person_name(), functions, kind, affiliation(kind))

        seats = design.seats
        chair_since, chair_joined = date(design.chair_since), date(design.chair_joined)
        chair_functions = [("FORMAND", chair_since, None)]
        if chair_joined < chair_since:
            chair_functions.insert(0, ("BESTYRELSESMEDLEM", chair_joined, chair_since - ONE_DAY))
        roles = [person(chair_functions, seats[0])]
        if design.former_chair and chair_since > founded + dt.timedelta(days=365):
            start = max(founded, chair_since - dt.timedelta(days=rng.randrange(3 * 365, 8 * 365)))
            roles.append(person([("FORMAND", start, chair_since - ONE_DAY)], rng.choice(("company", seats[0]))))

        others = list(range(1, len(seats)))
        recent = set(rng.sample(others, min(design.renewed_recent, len(others))))
        with_predecessor = set(sorted(recent)[: design.ended_roles])
        for index in others:
            function = "NÆSTFORMAND" if index == 1 else "BESTYRELSESMEDLEM"
            if founded >= RECENT_FROM:
                joined = founded
            elif index in recent:
                joined = random_date(rng, max(RECENT_FROM, founded), dt.date(AS_OF.year, 6, 30))
            else:
                joined = random_date(rng, founded, RECENT_FROM - ONE_DAY)
            roles.append(person([(function, joined, None)], seats[index]))
            if index in with_predecessor and joined > founded + dt.timedelta(days=400):
                start = random_date(rng, founded, joined - dt.timedelta(days=365))
                roles.append(person([(function, start, joined - ONE_DAY)], seats[index]))
        if design.resigned and design.resigned_on:
            resigned_on = date(design.resigned_on)
            for _ in range(design.resigned):
                start = random_date(rng, founded, dt.date(2021, 12, 31))
                roles.append(person([("BESTYRELSESMEDLEM", start, resigned_on)], "company"))
        org.claimed_extra = [next(firm_iter) for _ in range(design.claimed_extra_seats)]

        director_since = date(profile.director_since)
        left = date(profile.director_left_on) if profile.director_left_on else None
        roles.append(Role("DIREKTION", self.enheds(), self.person_name(), [("DIREKTØR", director_since, left)]))
        if director_since > founded + dt.timedelta(days=365):
            previous = [("DIREKTØR", founded, director_since - ONE_DAY)]
            roles.append(Role("DIREKTION", self.enheds(), self.person_name(), previous))
        if not profile.audit_waived:
            auditor = rng.choice(self.auditors)
            since = max(founded, random_date(rng, dt.date(2012, 1, 1), dt.date(2020, 12, 31)))
            end = None
            if profile.status == "UNDER KONKURS" and profile.status_since:
                end = date(profile.status_since) - ONE_DAY
            roles.append(
                Role(
                    "REVISION",
                    auditor.enheds,
                    auditor.name,
                    [("REVISION", since, end)],
                    company_cvr=auditor.cvr,
                )
            )
        org.roles = roles
