"""The fictional cluster organisations of the sample, as data: how each one is designed.

This is the one place to read to see why an organisation scores as it does. Every name here is invented; none
describes a real organisation. The designs are chosen so that the scores span the range: a clearly strong
one holding a Gold label, a strong one, middling ones, a weak one, two that are ineligible for different
reasons (a for-profit legal form; no knowledge institution on the board), a bankrupt one, one thin on data,
and one whose own claims disagree with the registry.

Amounts are DKK, years are calendar years; tuples indexed by year follow `SUBMISSION_YEARS` (2022-2025) or
`FISCAL_YEARS` (2021-2025). Member counts are at scale 1.0; the generator multiplies them by the scale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

AS_OF = dt.date(2026, 11, 1)
"""The sample's "today": every date is relative to this, never to the wall clock."""

SUBMISSION_YEARS = (2022, 2023, 2024, 2025)
FISCAL_YEARS = (2021, 2022, 2023, 2024, 2025)

PROGRAMME_2021 = ("innovationskraft-2021-2024", "2021-01-01", "2024-12-31")
PROGRAMME_2025 = ("klyngeudvikling-2025-2028", "2025-01-01", "2028-12-31")

# Region codes as in the municipalities seed.
NORDJYLLAND, MIDTJYLLAND, SYDDANMARK, HOVEDSTADEN, SJAELLAND = 1081, 1082, 1083, 1084, 1085
ALL_REGIONS = (NORDJYLLAND, MIDTJYLLAND, SYDDANMARK, HOVEDSTADEN, SJAELLAND)


@dataclass(frozen=True)
class BoardDesign:
    """The registry board (CVR `deltagerRelation`, LEDELSESORGAN) and how the submission reports it.

    `seats` lists the affiliation of each current seat: seat 1 holds the chair (FORMAND), seat 2 the vice
    chair (NÆSTFORMAND), the rest are members. `renewed_recent` seats got a new holder within the 4 years
    before AS_OF; `ended_roles` of those replaced a predecessor whose role is closed in the registry.
    `resigned` roles ended without successor (the board shrank). `claimed_extra_seats` are seats the
    submission lists although the registry does not hold them.
    """

    seats: tuple[str, ...]
    chair_since: str
    chair_joined: str
    renewed_recent: int
    ended_roles: int
    former_chair: bool = True
    resigned: int = 0
    resigned_on: str | None = None
    claimed_extra_seats: int = 0


@dataclass(frozen=True)
class Finance:
    """Annual report facts per fiscal year 2021-2025 (None: no report that year)."""

    revenue: tuple[int | None, ...]
    profit_loss: tuple[int | None, ...]
    equity: tuple[int | None, ...]
    employees: tuple[int | None, ...]
    late_filing_year: int | None = None
    """A fiscal year whose report is published more than 5 months after the period ends."""
    missing_facts: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """Fiscal year -> XBRL elements the report does not state."""


@dataclass(frozen=True)
class MemberDesign:
    """Who the members are."""

    counts: tuple[int, ...]
    """Members claimed per submission year (at scale 1.0)."""
    knowledge_institutions: int
    international_share: float
    large_share: float
    """Share of domestic firm members with 250+ employees (non-SME)."""
    regions: tuple[int, ...]
    home_weight: float
    """Share of domestic members located in the home region; the rest spread over the other `regions`."""
    committed_share: float
    """Share with signed_membership or fee_paying commitment; the rest in-kind or active participation."""
    churn: float = 0.05
    consultant_share: float = 0.03
    finance_share: float = 0.01
    other_share: float = 0.01


@dataclass(frozen=True)
class Activity:
    """What the submission reports about the organisation's work, per submission year."""

    strategy_dates: tuple[str | None, ...]
    management_fte: tuple[float | None, ...]
    satisfaction_pct: tuple[float | None, ...]
    projects: tuple[int, ...]
    project_rule_share: float
    """Share of projects with >= 1 knowledge institution and >= 2 firms of which >= 1 SME."""
    engagement_2025: tuple[int, int, int, int]
    """Firms engaged in 2025 by size class micro, small, medium, large; earlier years scale down a little."""
    events: tuple[int, ...]
    funding_shares: dict[str, float]
    """source_type -> share of the year's revenue."""
    eccp_profile: bool = True
    has_website_en: bool = True


@dataclass(frozen=True)
class Discrepancies:
    """Claims in the submissions that the registry contradicts (applied to the 2024 and 2025 submissions)."""

    not_in_cvr_share: float = 0.0
    ceased_claimed_share: float = 0.0
    size_mismatch_share: float = 0.0


@dataclass(frozen=True)
class LabelRow:
    label: str
    awarded_on: str
    valid_until: str
    score_pct: float


@dataclass(frozen=True)
class OrganisationProfile:
    key: str
    place: str
    """Invented place-like prefix of the name; copies at scale > 1 get other invented prefixes."""
    suffix: str
    design: str
    """One line: what this organisation is designed to exercise."""
    business_area_code: str
    home_kommune: int
    legal_form: int
    founded: str
    members: MemberDesign
    board: BoardDesign
    director_since: str
    finance: Finance
    activity: Activity
    submission_years: tuple[int, ...] = SUBMISSION_YEARS
    former_name: str | None = None
    renamed_on: str | None = None
    status: str = "NORMAL"
    status_since: str | None = None
    director_left_on: str | None = None
    has_metadata: bool = True
    audit_waived: bool = False
    discrepancies: Discrepancies = Discrepancies()
    labels: tuple[LabelRow, ...] = ()
    designations: tuple[tuple[str, str, str], ...] = (PROGRAMME_2021, PROGRAMME_2025)

    @property
    def name(self) -> str:
        return f"{self.place} {self.suffix}"


M = 1_000_000

PROFILES: tuple[OrganisationProfile, ...] = (
    OrganisationProfile(
        key="strong_gold",
        place="Nordlys",
        suffix="Energy Cluster",
        design="clearly strong, Gold-ready: ~385 committed members in all regions, renewed board, "
        "diverse funding, Gold label valid",
        business_area_code="energy",
        home_kommune=851,
        legal_form=110,
        founded="2014-03-01",
        former_name="Nordlys Energiforum",
        renamed_on="2020-07-01",
        members=MemberDesign(
            counts=(330, 350, 370, 385),
            knowledge_institutions=14,
            international_share=0.10,
            large_share=0.08,
            regions=ALL_REGIONS,
            home_weight=0.35,
            committed_share=0.92,
        ),
        board=BoardDesign(
            seats=(
                "company",
                "knowledge_institution",
                "company",
                "company",
                "company",
                "company",
                "company",
                "knowledge_institution",
                "knowledge_institution",
                "public",
                "other",
            ),
            chair_since="2021-05-04",
            chair_joined="2017-04-20",
            renewed_recent=4,
            ended_roles=4,
        ),
        director_since="2019-09-01",
        finance=Finance(
            revenue=(36_500_000, 39_000_000, 41_800_000, 44_200_000, 46_000_000),
            profit_loss=(600_000, 900_000, 1_100_000, 800_000, 1_200_000),
            equity=(6_100_000, 7_000_000, 8_100_000, 8_900_000, 10_100_000),
            employees=(11, 12, 13, 13, 14),
        ),
        activity=Activity(
            strategy_dates=("2021-09-15", "2021-09-15", "2021-09-15", "2025-04-10"),
            management_fte=(8.5, 9.0, 9.5, 10.0),
            satisfaction_pct=(85.0, 86.5, 88.0, 89.0),
            projects=(30, 34, 38, 42),
            project_rule_share=0.9,
            engagement_2025=(1450, 980, 520, 260),
            events=(22, 24, 25, 26),
            funding_shares={
                "public_national": 0.28,
                "public_regional": 0.08,
                "public_eu": 0.14,
                "private_membership_fees": 0.14,
                "private_services": 0.18,
                "private_cofinancing": 0.18,
            },
        ),
        labels=(LabelRow("GOLD", "2025-01-28", "2027-01-31", 91.0),),
    ),
    OrganisationProfile(
        key="strong_silver",
        place="Kystby",
        suffix="Robotics Network",
        design="strong but a little lower (Silver-ish): ~320 members, private share ~40%, "
        "strategy 2.7 years old, Silver label",
        business_area_code="robotics",
        home_kommune=461,
        legal_form=110,
        founded="2015-08-15",
        members=MemberDesign(
            counts=(270, 290, 305, 320),
            knowledge_institutions=10,
            international_share=0.07,
            large_share=0.09,
            regions=ALL_REGIONS,
            home_weight=0.5,
            committed_share=0.85,
        ),
        board=BoardDesign(
            seats=(
                "company",
                "knowledge_institution",
                "company",
                "company",
                "company",
                "company",
                "knowledge_institution",
                "knowledge_institution",
                "public",
            ),
            chair_since="2019-04-25",
            chair_joined="2016-05-10",
            renewed_recent=3,
            ended_roles=3,
        ),
        director_since="2018-01-15",
        finance=Finance(
            revenue=(24_000_000, 25_500_000, 27_200_000, 28_000_000, 29_300_000),
            profit_loss=(300_000, 400_000, -200_000, 500_000, 600_000),
            equity=(3_200_000, 3_600_000, 3_400_000, 3_900_000, 4_500_000),
            employees=(8, 9, 9, 10, 10),
        ),
        activity=Activity(
            strategy_dates=("2020-11-01", "2020-11-01", "2024-02-20", "2024-02-20"),
            management_fte=(6.5, 7.0, 7.0, 7.5),
            satisfaction_pct=(80.0, 81.5, 82.0, 83.5),
            projects=(18, 20, 22, 24),
            project_rule_share=0.8,
            engagement_2025=(800, 560, 300, 140),
            events=(15, 16, 15, 17),
            funding_shares={
                "public_national": 0.35,
                "public_regional": 0.12,
                "public_eu": 0.13,
                "private_membership_fees": 0.12,
                "private_services": 0.14,
                "private_cofinancing": 0.14,
            },
        ),
        labels=(LabelRow("SILVER", "2025-06-12", "2027-06-30", 78.0),),
    ),
    OrganisationProfile(
        key="middling_bronze",
        place="Markvang",
        suffix="Food Innovation Cluster",
        design="middling: ~240 members, board renewed a little, private share ~33%, Bronze label",
        business_area_code="food_bio",
        home_kommune=657,
        legal_form=90,
        founded="2013-01-02",
        members=MemberDesign(
            counts=(215, 225, 235, 240),
            knowledge_institutions=7,
            international_share=0.04,
            large_share=0.07,
            regions=ALL_REGIONS,
            home_weight=0.55,
            committed_share=0.75,
        ),
        board=BoardDesign(
            seats=(
                "company",
                "company",
                "company",
                "company",
                "company",
                "company",
                "knowledge_institution",
                "knowledge_institution",
                "public",
            ),
            chair_since="2020-05-01",
            chair_joined="2020-05-01",
            renewed_recent=2,
            ended_roles=2,
        ),
        director_since="2016-03-01",
        finance=Finance(
            revenue=(17_500_000, 18_000_000, 18_400_000, 18_900_000, 19_100_000),
            profit_loss=(100_000, 200_000, 100_000, -100_000, 200_000),
            equity=(2_000_000, 2_200_000, 2_300_000, 2_200_000, 2_400_000),
            employees=(7, 7, 7, 8, 7),
        ),
        activity=Activity(
            strategy_dates=("2021-03-01", "2023-01-15", "2023-01-15", "2023-01-15"),
            management_fte=(5.0, 5.0, 5.5, 5.5),
            satisfaction_pct=(76.0, 77.0, 75.0, 78.0),
            projects=(10, 11, 12, 12),
            project_rule_share=0.65,
            engagement_2025=(420, 280, 140, 60),
            events=(12, 12, 11, 12),
            funding_shares={
                "public_national": 0.42,
                "public_regional": 0.15,
                "public_eu": 0.10,
                "private_membership_fees": 0.13,
                "private_services": 0.10,
                "private_cofinancing": 0.10,
            },
        ),
        labels=(LabelRow("BRONZE", "2024-10-03", "2026-12-31", 64.0),),
    ),
    OrganisationProfile(
        key="middling_late_filer",
        place="Lindhøj",
        suffix="Life Science Alliance",
        design="middling: ~220 members in 4 regions, one annual report filed late (FY2023), no label",
        business_area_code="life_science",
        home_kommune=101,
        legal_form=115,
        founded="2016-01-10",
        members=MemberDesign(
            counts=(195, 200, 210, 220),
            knowledge_institutions=8,
            international_share=0.06,
            large_share=0.10,
            regions=(HOVEDSTADEN, SJAELLAND, SYDDANMARK, MIDTJYLLAND),
            home_weight=0.6,
            committed_share=0.7,
        ),
        board=BoardDesign(
            seats=(
                "company",
                "knowledge_institution",
                "company",
                "company",
                "company",
                "knowledge_institution",
                "public",
            ),
            chair_since="2018-05-01",
            chair_joined="2016-01-10",
            renewed_recent=2,
            ended_roles=2,
        ),
        director_since="2016-02-01",
        finance=Finance(
            revenue=(15_000_000, 15_800_000, 16_200_000, 16_000_000, 16_500_000),
            profit_loss=(200_000, -300_000, 100_000, 0, 300_000),
            equity=(1_800_000, 1_500_000, 1_600_000, 1_600_000, 1_900_000),
            employees=(6, 6, 6, 6, 7),
            late_filing_year=2023,
        ),
        activity=Activity(
            strategy_dates=("2022-09-01", "2022-09-01", "2022-09-01", "2022-09-01"),
            management_fte=(4.5, 4.5, 5.0, 5.0),
            satisfaction_pct=(72.0, 73.5, 74.0, 75.0),
            projects=(9, 10, 10, 11),
            project_rule_share=0.6,
            engagement_2025=(360, 250, 130, 70),
            events=(10, 10, 11, 10),
            funding_shares={
                "public_national": 0.45,
                "public_regional": 0.15,
                "public_eu": 0.10,
                "private_membership_fees": 0.12,
                "private_services": 0.10,
                "private_cofinancing": 0.08,
            },
        ),
        designations=(PROGRAMME_2021, PROGRAMME_2025),
    ),
    OrganisationProfile(
        key="weak",
        place="Skovbrynet",
        suffix="Building Cluster",
        design="weak: ~25 members in 2 regions, chair since 2013, board barely renewed, deficits 2024-2025, "
        "old strategy, low private funding, audit waived",
        business_area_code="building",
        home_kommune=630,
        legal_form=110,
        founded="2010-02-01",
        members=MemberDesign(
            counts=(30, 28, 26, 24),
            knowledge_institutions=2,
            international_share=0.0,
            large_share=0.04,
            regions=(SYDDANMARK, MIDTJYLLAND),
            home_weight=0.8,
            committed_share=0.45,
            churn=0.03,
            consultant_share=0.0,
            finance_share=0.0,
            other_share=0.0,
        ),
        board=BoardDesign(
            seats=("company", "company", "company", "company", "knowledge_institution"),
            chair_since="2013-04-15",
            chair_joined="2010-02-01",
            renewed_recent=1,
            ended_roles=1,
            former_chair=True,
        ),
        director_since="2010-02-01",
        finance=Finance(
            revenue=(3_100_000, 2_900_000, 2_700_000, 2_400_000, 2_200_000),
            profit_loss=(50_000, 20_000, 10_000, -350_000, -420_000),
            equity=(900_000, 920_000, 930_000, 580_000, 160_000),
            employees=(3, 3, 2, 2, 2),
        ),
        activity=Activity(
            strategy_dates=("2017-06-01", "2017-06-01", "2017-06-01", "2017-06-01"),
            management_fte=(2.0, 2.0, 1.5, 1.5),
            satisfaction_pct=(61.0, 58.0, 55.0, 52.0),
            projects=(2, 2, 1, 1),
            project_rule_share=0.3,
            engagement_2025=(45, 25, 8, 2),
            events=(3, 3, 2, 2),
            funding_shares={
                "public_national": 0.70,
                "public_regional": 0.20,
                "private_membership_fees": 0.10,
            },
            eccp_profile=False,
            has_website_en=False,
        ),
        audit_waived=True,
        designations=(PROGRAMME_2021,),
    ),
    OrganisationProfile(
        key="ineligible_for_profit",
        place="Fjordlund",
        suffix="Digital Cluster ApS",
        design="ineligible: a for-profit legal form (ApS, code 80), otherwise decent",
        business_area_code="digital",
        home_kommune=751,
        legal_form=80,
        founded="2017-05-01",
        members=MemberDesign(
            counts=(225, 240, 250, 260),
            knowledge_institutions=6,
            international_share=0.05,
            large_share=0.08,
            regions=ALL_REGIONS,
            home_weight=0.5,
            committed_share=0.8,
        ),
        board=BoardDesign(
            seats=("company", "knowledge_institution", "company", "company", "other"),
            chair_since="2020-03-01",
            chair_joined="2017-05-01",
            renewed_recent=2,
            ended_roles=2,
        ),
        director_since="2017-05-01",
        finance=Finance(
            revenue=(16_000_000, 17_100_000, 18_300_000, 19_000_000, 20_200_000),
            profit_loss=(900_000, 1_100_000, 1_300_000, 1_200_000, 1_500_000),
            equity=(3_000_000, 3_600_000, 4_400_000, 5_000_000, 5_900_000),
            employees=(7, 7, 8, 8, 9),
        ),
        activity=Activity(
            strategy_dates=("2021-01-10", "2021-01-10", "2024-01-15", "2024-01-15"),
            management_fte=(6.0, 6.0, 6.5, 6.5),
            satisfaction_pct=(80.0, 79.5, 81.0, 80.5),
            projects=(12, 13, 14, 15),
            project_rule_share=0.75,
            engagement_2025=(520, 330, 170, 80),
            events=(14, 14, 15, 14),
            funding_shares={
                "public_national": 0.35,
                "public_regional": 0.10,
                "public_eu": 0.10,
                "private_membership_fees": 0.15,
                "private_services": 0.20,
                "private_cofinancing": 0.10,
            },
        ),
        designations=(PROGRAMME_2021,),
    ),
    OrganisationProfile(
        key="ineligible_board",
        place="Engdal",
        suffix="Water & Environment Cluster",
        design="ineligible: no knowledge institution on the board (all seats company), otherwise decent",
        business_area_code="environment",
        home_kommune=561,
        legal_form=110,
        founded="2013-09-01",
        members=MemberDesign(
            counts=(210, 220, 230, 240),
            knowledge_institutions=7,
            international_share=0.06,
            large_share=0.09,
            regions=ALL_REGIONS,
            home_weight=0.45,
            committed_share=0.82,
        ),
        board=BoardDesign(
            seats=("company",) * 7,
            chair_since="2021-04-20",
            chair_joined="2018-04-20",
            renewed_recent=3,
            ended_roles=3,
        ),
        director_since="2020-08-01",
        finance=Finance(
            revenue=(18_200_000, 19_000_000, 19_900_000, 20_600_000, 21_400_000),
            profit_loss=(300_000, 450_000, 500_000, 350_000, 600_000),
            equity=(2_800_000, 3_200_000, 3_700_000, 4_000_000, 4_600_000),
            employees=(8, 8, 9, 9, 9),
        ),
        activity=Activity(
            strategy_dates=("2020-02-01", "2020-02-01", "2024-05-01", "2024-05-01"),
            management_fte=(7.0, 7.0, 7.5, 7.5),
            satisfaction_pct=(81.0, 82.0, 82.5, 83.0),
            projects=(14, 15, 16, 17),
            project_rule_share=0.8,
            engagement_2025=(600, 400, 200, 100),
            events=(15, 15, 16, 16),
            funding_shares={
                "public_national": 0.38,
                "public_regional": 0.10,
                "public_eu": 0.10,
                "private_membership_fees": 0.14,
                "private_services": 0.14,
                "private_cofinancing": 0.14,
            },
        ),
    ),
    OrganisationProfile(
        key="bankrupt",
        place="Havnevig",
        suffix="Maritime & Logistics Cluster",
        design="bankrupt: UNDER KONKURS since 2025-09-15 after deficits, shrinking membership, expired label",
        business_area_code="maritime_logistics",
        home_kommune=813,
        legal_form=110,
        founded="2011-11-01",
        status="UNDER KONKURS",
        status_since="2025-09-15",
        members=MemberDesign(
            counts=(260, 200, 140, 80),
            knowledge_institutions=5,
            international_share=0.03,
            large_share=0.08,
            regions=ALL_REGIONS,
            home_weight=0.5,
            committed_share=0.6,
            churn=0.2,
        ),
        board=BoardDesign(
            seats=(
                "company",
                "company",
                "company",
                "knowledge_institution",
                "company",
                "company",
                "knowledge_institution",
            ),
            chair_since="2016-05-01",
            chair_joined="2011-11-01",
            renewed_recent=1,
            ended_roles=1,
            resigned=2,
            resigned_on="2025-06-30",
        ),
        director_since="2018-02-01",
        director_left_on="2025-08-31",
        finance=Finance(
            revenue=(14_000_000, 11_500_000, 9_000_000, 6_200_000, None),
            profit_loss=(-400_000, -1_100_000, -1_800_000, -2_300_000, None),
            equity=(1_200_000, 100_000, -1_700_000, -4_000_000, None),
            employees=(9, 8, 6, 4, None),
        ),
        activity=Activity(
            strategy_dates=("2019-10-01", "2019-10-01", "2019-10-01", "2019-10-01"),
            management_fte=(6.0, 5.0, 3.5, 1.5),
            satisfaction_pct=(70.0, 63.0, 55.0, 41.0),
            projects=(8, 6, 4, 1),
            project_rule_share=0.5,
            engagement_2025=(60, 30, 10, 4),
            events=(8, 6, 3, 1),
            funding_shares={
                "public_national": 0.55,
                "public_regional": 0.15,
                "public_eu": 0.10,
                "private_membership_fees": 0.12,
                "private_services": 0.08,
            },
        ),
        labels=(LabelRow("BRONZE", "2021-03-18", "2023-03-31", 58.0),),
        designations=(PROGRAMME_2021, ("klyngeudvikling-2025-2028", "2025-01-01", "2025-09-15")),
    ),
    OrganisationProfile(
        key="thin_on_data",
        place="Solbakke",
        suffix="Sound Cluster",
        design="thin on data: founded 2023, one submission (2025) without funding, strategy, projects or "
        "engagement; no virksomhedMetadata block; annual reports lack facts",
        business_area_code="sound",
        home_kommune=661,
        legal_form=115,
        founded="2023-02-01",
        has_metadata=False,
        submission_years=(2025,),
        members=MemberDesign(
            counts=(40,),
            knowledge_institutions=2,
            international_share=0.05,
            large_share=0.05,
            regions=(MIDTJYLLAND, NORDJYLLAND, HOVEDSTADEN),
            home_weight=0.7,
            committed_share=0.5,
            churn=0.0,
        ),
        board=BoardDesign(
            seats=("company", "knowledge_institution", "company", "company", "other"),
            chair_since="2023-02-01",
            chair_joined="2023-02-01",
            renewed_recent=5,
            ended_roles=0,
            former_chair=False,
        ),
        director_since="2023-02-01",
        finance=Finance(
            revenue=(None, None, None, 1_400_000, 2_100_000),
            profit_loss=(None, None, None, -60_000, 40_000),
            equity=(None, None, None, 240_000, 280_000),
            employees=(None, None, None, 2, 3),
            missing_facts={
                2024: ("fsa:Revenue", "fsa:AverageNumberOfEmployees"),
                2025: ("fsa:Equity", "fsa:AverageNumberOfEmployees"),
            },
        ),
        activity=Activity(
            strategy_dates=(None,),
            management_fte=(None,),
            satisfaction_pct=(None,),
            projects=(0,),
            project_rule_share=0.0,
            engagement_2025=(0, 0, 0, 0),
            events=(2,),
            funding_shares={},
            eccp_profile=False,
            has_website_en=False,
        ),
        designations=(PROGRAMME_2025,),
    ),
    OrganisationProfile(
        key="claim_discrepancies",
        place="Granly",
        suffix="Advanced Production Cluster",
        design="middling with many claim discrepancies: members not in CVR, ceased members still claimed, "
        "size classes that differ from CVR employment, a claimed board larger than the registry's",
        business_area_code="advanced_production",
        home_kommune=615,
        legal_form=100,
        founded="2012-06-01",
        members=MemberDesign(
            counts=(225, 235, 245, 250),
            knowledge_institutions=6,
            international_share=0.04,
            large_share=0.10,
            regions=ALL_REGIONS,
            home_weight=0.5,
            committed_share=0.7,
        ),
        board=BoardDesign(
            seats=(
                "company",
                "knowledge_institution",
                "company",
                "company",
                "company",
                "knowledge_institution",
                "public",
            ),
            chair_since="2019-06-01",
            chair_joined="2015-05-20",
            renewed_recent=2,
            ended_roles=2,
            claimed_extra_seats=2,
        ),
        director_since="2014-09-01",
        finance=Finance(
            revenue=(16_800_000, 17_200_000, 17_900_000, 18_300_000, 18_800_000),
            profit_loss=(150_000, 250_000, -150_000, 100_000, 200_000),
            equity=(2_100_000, 2_350_000, 2_200_000, 2_300_000, 2_500_000),
            employees=(7, 7, 7, 8, 8),
        ),
        activity=Activity(
            strategy_dates=("2019-03-01", "2023-03-01", "2023-03-01", "2023-03-01"),
            management_fte=(5.5, 5.5, 5.5, 6.0),
            satisfaction_pct=(74.0, 73.0, 75.5, 74.0),
            projects=(10, 11, 11, 12),
            project_rule_share=0.6,
            engagement_2025=(400, 270, 160, 70),
            events=(11, 11, 12, 11),
            funding_shares={
                "public_national": 0.40,
                "public_regional": 0.15,
                "public_eu": 0.10,
                "private_membership_fees": 0.13,
                "private_services": 0.12,
                "private_cofinancing": 0.10,
            },
        ),
        discrepancies=Discrepancies(not_in_cvr_share=0.08, ceased_claimed_share=0.05, size_mismatch_share=0.15),
    ),
)
