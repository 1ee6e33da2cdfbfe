"""Turns one `Company` spec into a CVR `virksomhed` hit shaped like the distribution service's documents.

Built one at a time while the CVR file is streamed, so the documents never all sit in memory. The shape
follows `docs/sample-data.md`: bitemporal arrays whose current item has `periode.gyldigTil` null (all
closed for a ceased company), a denormalised `virksomhedMetadata` block (absent for some), and
`deltagerRelation` for the cluster organisations' board, management and auditor.
"""

from __future__ import annotations

import datetime as dt

from clusterscore.sample import vocabulary as voc
from clusterscore.sample.population import ONE_DAY, Company, Role, iso
from clusterscore.sample.reference import Reference

INDEX = "cvr-permanent-virksomhed"
ORGANISATION_NAMES = {
    "LEDELSESORGAN": "Bestyrelse",
    "DIREKTION": "Direktion",
    "REVISION": "Revision",
    "FULDT_ANSVARLIG_DELTAGERE": "Fuldt ansvarlige deltagere",  # the owner of a sole proprietorship
}


def periode(start: dt.date | None, end: dt.date | None) -> dict:
    return {"gyldigFra": iso(start), "gyldigTil": iso(end)}


def stamp(day: dt.date) -> str:
    offset = "+02:00" if 4 <= day.month <= 10 else "+01:00"
    return f"{day.isoformat()}T00:00:00.000{offset}"


class CvrDocumentBuilder:
    def __init__(self, reference: Reference) -> None:
        self.municipalities = reference.municipalities

    def address(self, kommune: int, street: str, house_no: int) -> dict:
        postnummer, postdistrikt = voc.POSTCODES.get(kommune, (9999, "Ukendt"))
        municipality = self.municipalities.get(kommune)
        return {
            "vejnavn": street,
            "husnummerFra": house_no,
            "postnummer": postnummer,
            "postdistrikt": postdistrikt,
            "kommune": {
                "kommuneKode": kommune,
                "kommuneNavn": municipality.name.upper() if municipality else None,
            },
            "landekode": "DK",
        }

    def hit(self, company: Company) -> dict:
        closed = company.closed_on
        founded = company.founded

        if company.former_name and company.renamed_on:
            names = [
                (company.former_name, founded, company.renamed_on - ONE_DAY),
                (company.name, company.renamed_on, closed),
            ]
        else:
            names = [(company.name, founded, closed)]
        navne = [{"navn": n, "periode": periode(a, b), "sidstOpdateret": stamp(a)} for n, a, b in names]

        current_address = self.address(company.kommune, company.street, company.house_no)
        if company.former_address and company.moved_on:
            old = self.address(*company.former_address)
            addresses = [
                old | {"periode": periode(founded, company.moved_on - ONE_DAY)},
                current_address | {"periode": periode(company.moved_on, closed)},
            ]
        else:
            addresses = [current_address | {"periode": periode(founded, closed)}]

        code, text = company.industry
        kort, lang = voc.LEGAL_FORMS[company.legal_form]
        statuses = self.status_history(company)
        doc: dict = {
            "cvrNummer": company.cvr,
            "enhedsNummer": company.enheds,
            "enhedstype": "VIRKSOMHED",
            "sidstOpdateret": company.updated,
            "stiftelsesDato": iso(founded),
            "navne": navne,
            "beliggenhedsadresse": addresses,
            "hovedbranche": [{"branchekode": code, "branchetekst": text, "periode": periode(founded, closed)}],
            "virksomhedsform": [
                {
                    "virksomhedsformkode": company.legal_form,
                    "kortBeskrivelse": kort,
                    "langBeskrivelse": lang,
                    "periode": periode(founded, closed),
                }
            ],
            "status": [
                {"statuskode": voc.STATUSES[s][0], "statustekst": s, "periode": periode(a, b)} for s, a, b in statuses
            ],
            "virksomhedsstatus": [{"status": s, "periode": periode(a, b)} for s, a, b in statuses],
            "attributter": self.attributes(company, closed),
            "deltagerRelation": [self.relation(role) for role in company.relations or ()],
        }
        yearly, quarterly = self.employment(company)
        if company.employment_mode != "none":
            doc["aarsbeskaeftigelse"] = yearly
            doc["kvartalsbeskaeftigelse"] = quarterly
        if company.has_metadata:
            doc["virksomhedMetadata"] = {
                "nyesteNavn": {"navn": company.name},
                "sammensatStatus": voc.STATUSES[statuses[-1][0]][1],
                "stiftelsesDato": iso(founded),
                "nyesteHovedbranche": {"branchekode": code, "branchetekst": text},
                "nyesteBeliggenhedsadresse": current_address,
                "nyesteVirksomhedsform": {
                    "virksomhedsformkode": company.legal_form,
                    "kortBeskrivelse": kort,
                    "langBeskrivelse": lang,
                },
                "nyesteAarsbeskaeftigelse": (
                    {k: yearly[-1][k] for k in ("aar", "antalAnsatte", "intervalKodeAntalAnsatte")}
                    if yearly and company.employment_mode != "none"
                    else None
                ),
                "nyesteKvartalsbeskaeftigelse": (
                    quarterly[-1] if quarterly and company.employment_mode != "none" else None
                ),
                "nyesteStatus": None,
            }
        return {
            "_index": INDEX,
            "_id": str(company.enheds),
            "synthetic": True,
            "_source": {"Vrvirksomhed": doc},
        }

    @staticmethod
    def status_history(company: Company) -> list[tuple[str, dt.date, dt.date | None]]:
        founded = company.founded
        if company.status == "NORMAL":
            return [("NORMAL", founded, None)]
        if company.status == "OPLØST EFTER KONKURS":
            konkurs, dissolved = company.konkurs_since, company.status_since
            return [
                ("NORMAL", founded, konkurs - ONE_DAY),
                ("UNDER KONKURS", konkurs, dissolved - ONE_DAY),
                ("OPLØST EFTER KONKURS", dissolved, None),
            ]
        since = company.status_since
        return [("NORMAL", founded, since - ONE_DAY), (company.status, since, None)]

    @staticmethod
    def attributes(company: Company, closed: dt.date | None) -> list[dict]:
        attributes = []
        if company.audit_waived is not None:
            attributes.append(
                {
                    "type": "REVISION_FRAVALGT",
                    "vaerditype": "boolean",
                    "sekvensnr": 0,
                    "vaerdier": [
                        {
                            "vaerdi": "true" if company.audit_waived else "false",
                            "periode": periode(company.founded, closed),
                        }
                    ],
                }
            )
        if company.purpose:
            attributes.append(
                {
                    "type": "FORMÅL",
                    "vaerditype": "string",
                    "sekvensnr": 0,
                    "vaerdier": [{"vaerdi": company.purpose, "periode": periode(company.founded, closed)}],
                }
            )
        return attributes

    @staticmethod
    def employment(company: Company) -> tuple[list[dict], list[dict]]:
        series = company.employment_by_year()
        counts_known = company.employment_mode == "full"
        yearly = []
        for year, count in sorted(series.items()):
            fte = max(1, round(count * 0.88)) if count else 0
            yearly.append(
                {
                    "aar": year,
                    "antalAnsatte": count if counts_known else None,
                    "antalAarsvaerk": fte if counts_known else None,
                    "intervalKodeAntalAnsatte": voc.employment_band(count),
                    "intervalKodeAntalAarsvaerk": voc.employment_band(fte),
                }
            )
        quarterly = []
        if series:
            latest = series[max(series)]
            end = company.end_date
            for year, quarter in ((2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2)):
                if year < company.founded.year or (end is not None and dt.date(year, 3 * quarter, 1) >= end):
                    continue
                wobble = ((company.cvr * 2654435761 + quarter * 97 + year) >> 7) % 5 - 2
                count = max(0, latest + (wobble if latest >= 5 else 0))
                quarterly.append(
                    {
                        "aar": year,
                        "kvartal": quarter,
                        "antalAnsatte": count if counts_known else None,
                        "intervalKodeAntalAnsatte": voc.employment_band(count),
                    }
                )
        return yearly, quarterly

    @staticmethod
    def relation(role: Role) -> dict:
        first = role.functions[0][1]
        is_company = role.company_cvr is not None
        return {
            "deltager": {
                "enhedsNummer": role.enheds,
                "enhedstype": "VIRKSOMHED" if is_company else "PERSON",
                "forretningsnoegle": role.company_cvr,
                "navne": [{"navn": role.name, "periode": periode(first, None)}],
            },
            "organisationer": [
                {
                    "hovedtype": role.hovedtype,
                    "organisationsNavn": [
                        {"navn": ORGANISATION_NAMES[role.hovedtype], "periode": periode(first, None)}
                    ],
                    "medlemsData": [
                        {
                            "attributter": [
                                {
                                    "type": "FUNKTION",
                                    "vaerditype": "string",
                                    "sekvensnr": 0,
                                    "vaerdier": [
                                        {"vaerdi": function, "periode": periode(start, end)}
                                        for function, start, end in role.functions
                                    ],
                                }
                            ]
                        }
                    ],
                }
            ],
        }


def missing_vrvirksomhed_hit(enheds: int) -> dict:
    """A deliberately bad hit: `_source` without the `Vrvirksomhed` document."""
    return {"_index": INDEX, "_id": str(enheds), "synthetic": True, "_source": {}}
