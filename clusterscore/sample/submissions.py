"""Builds one organisation's submission for one year: members, board, funding, projects, engagement, events.

The submission is the organisation's own account, so it is generated from the same world as the CVR documents
and agrees with them, except where a profile asks for discrepancies (claims the registry contradicts).
"""

from __future__ import annotations

import datetime as dt
import random

from clusterscore.sample import vocabulary as voc
from clusterscore.sample.population import KI_CATEGORIES, Membership, Organisation, iso, random_date, slug
from clusterscore.sample.profiles import SUBMISSION_YEARS
from clusterscore.sources.clusters import FUNDING_SOURCE_TYPES

ROLE_BY_FUNCTION = {"FORMAND": "chair", "NÆSTFORMAND": "vice_chair", "BESTYRELSESMEDLEM": "member"}


def website(org: Organisation) -> str:
    return f"https://{slug(org.name)}.example.invalid"


def member_line(membership: Membership) -> dict:
    party = membership.party
    return {
        "member_cvr": party.cvr,
        "foreign_id": party.foreign_id,
        "name": party.name,
        "country": party.country,
        "member_category": party.category,
        "commitment_basis": membership.basis,
        "member_since": iso(membership.since),
        "claimed_size_class": membership.claimed_size,
    }


def participant(membership: Membership) -> dict:
    party = membership.party
    if party.category in KI_CATEGORIES:
        role = "knowledge_institution"
    elif party.category in ("SME", "non-SME"):
        role = "firm"
    else:
        role = "other"
    return {"participant_cvr": party.cvr, "foreign_id": party.foreign_id, "role": role}


class SubmissionBuilder:
    def __init__(self, rng: random.Random, region_names: dict[int, str]) -> None:
        self.rng = rng
        self.region_names = region_names

    def build(self, org: Organisation, year: int) -> dict:
        rng = self.rng
        profile = org.profile
        activity = profile.activity
        index = profile.submission_years.index(year)
        members = org.members_in(year)
        submitted = random_date(rng, dt.date(year + 1, 1, 20), dt.date(year + 1, 3, 15))
        record: dict = {
            "synthetic": True,
            "organisation_cvr": org.cvr,
            "year": year,
            "submitted_on": iso(submitted),
            "strategy_document_date": activity.strategy_dates[index],
            "management_fte": activity.management_fte[index],
            "member_satisfaction_pct": activity.satisfaction_pct[index],
            "website_en": f"{website(org)}/en" if activity.has_website_en else None,
            "eccp_profile": activity.eccp_profile,
            "members": [member_line(m) for m in members],
            "board": self.board(org, year),
            "events": self.events(org, year, index),
        }
        if activity.funding_shares:
            record["funding"] = self.funding(org, year)
        if any(activity.projects):
            record["projects"] = self.projects(org, year, index, members)
        if any(activity.engagement_2025):
            record["engagement"] = self.engagement(org, index)
        return record

    def board(self, org: Organisation, year: int) -> list[dict]:
        seats = [
            {
                "role": ROLE_BY_FUNCTION[function],
                "affiliation_cvr": role.affiliation_cvr,
                "affiliation_type": role.affiliation_type,
            }
            for role, function in org.board_at(dt.date(year, 12, 31))
        ]
        seats += [
            {"role": "member", "affiliation_cvr": cvr, "affiliation_type": "company"} for cvr in org.claimed_extra
        ]
        return [{"seat_no": number, **seat} for number, seat in enumerate(seats, start=1)]

    def funding(self, org: Organisation, year: int) -> list[dict]:
        rng = self.rng
        finance = org.profile.finance
        revenues = [r for r in finance.revenue if r is not None]
        revenue = finance.revenue[year - 2021] if year - 2021 < len(finance.revenue) else None
        total = revenue if revenue is not None else round(revenues[-1] * 0.6)
        region = self.region_names[org.company.kommune]
        lines = []
        for source_type in FUNDING_SOURCE_TYPES:
            share = org.profile.activity.funding_shares.get(source_type)
            if not share:
                continue
            funders = [f.replace("{region}", region) for f in voc.FUNDERS[source_type]]
            splits = [1.0] if share < 0.25 or len(funders) == 1 else [0.8, 0.2]
            for funder, part in zip(funders, splits, strict=False):
                amount = round(total * share * part * rng.uniform(0.97, 1.03), -3)
                lines.append({"source_type": source_type, "funder": funder, "amount_dkk": int(amount)})
        return lines

    def projects(self, org: Organisation, year: int, index: int, members: list[Membership]) -> list[dict]:
        rng = self.rng
        activity = org.profile.activity
        count = max(0, round(activity.projects[index] * org.factor))
        kis = [m for m in members if m.party.category in KI_CATEGORIES and m.party.cvr is not None]
        smes = [m for m in members if m.party.category == "SME" and m.party.company is not None]
        large = [m for m in members if m.party.category == "non-SME" and m.party.company is not None]
        foreign = [m for m in members if m.party.foreign_id is not None]
        others = [m for m in members if m.party.category in ("consultant", "financial intermediary")]
        topics = voc.PROJECT_TOPICS.get(org.profile.business_area_code, voc.PROJECT_TOPICS["digital"])

        def pick(pool: list[Membership], n: int) -> list[Membership]:
            return rng.sample(pool, min(n, len(pool)))

        meeting = round(count * activity.project_rule_share)
        meets_rule = [True] * meeting + [False] * (count - meeting)
        rng.shuffle(meets_rule)
        projects = []
        for number, meets in enumerate(meets_rule, start=1):
            if meets:
                n_smes, n_large = rng.randint(1, 3), rng.randint(0, 1)
                if n_smes + n_large < 2:
                    n_smes = 2
                chosen = pick(kis, rng.randint(1, 2)) + pick(smes, n_smes) + pick(large, n_large)
                if rng.random() < 0.3:
                    chosen += pick(foreign, 1)
            else:
                mode = rng.randrange(3)
                if mode == 0:  # no knowledge institution
                    chosen = pick(smes, rng.randint(2, 3)) + pick(large, 1)
                elif mode == 1:  # only one firm
                    chosen = pick(kis, 1) + pick(smes, 1)
                else:  # no SME among the firms
                    chosen = pick(kis, 1) + pick(large, 2)
            if rng.random() < 0.15:
                chosen += pick(others, 1)
            seen: set = set()
            participants = []
            for membership in chosen:
                ident = membership.party.cvr or membership.party.foreign_id
                if ident not in seen:
                    seen.add(ident)
                    participants.append(participant(membership))
            title = f"{rng.choice(topics)} {rng.choice(voc.PROJECT_KINDS)}"
            projects.append({"project_id": f"P-{year}-{number:02d}", "title": title, "participants": participants})
        return projects

    def engagement(self, org: Organisation, index: int) -> list[dict]:
        counts = org.profile.members.counts
        ratio = counts[index] / counts[-1]
        if len(counts) == len(SUBMISSION_YEARS) and counts[0] <= counts[-1]:
            ratio = (0.8, 0.87, 0.94, 1.0)[index]
        return [
            {"size_class": size, "firms_engaged": max(0, round(base * ratio * org.factor))}
            for size, base in zip(voc.SIZE_CLASSES, org.profile.activity.engagement_2025, strict=True)
        ]

    def events(self, org: Organisation, year: int, index: int) -> list[dict]:
        rng = self.rng
        count = org.profile.activity.events[index]
        size = max(15, round(len(org.members_in(year)) / 3))
        days = sorted(random_date(rng, dt.date(year, 1, 8), dt.date(year, 12, 15)) for _ in range(count))
        return [
            {
                "event_id": f"E-{year}-{number:02d}",
                "held_on": iso(day),
                "participants": rng.randint(12, size + 12),
            }
            for number, day in enumerate(days, start=1)
        ]
