"""CVR company documents (the `virksomhed` index of the CVR distribution service).

A line is one Elasticsearch hit; the record is `_source.Vrvirksomhed`. Only what the scores read is checked
strictly; everything else passes as the registry sends it.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from clusterscore.sources.fields import Count, Cvr, IsoDate, IsoDateTime, Loose, NonEmptyStr, Year
from clusterscore.sources.spec import BulkRules, SourceSpec, single


class Periode(Loose):
    gyldigFra: IsoDate | None = None
    gyldigTil: IsoDate | None = None


class Dated(Loose):
    periode: Periode


class Navn(Dated):
    navn: NonEmptyStr


class Kommune(Loose):
    kommuneKode: int | None = None


class Adresse(Dated):
    kommune: Kommune | None = None
    postnummer: int | None = None


class Branche(Dated):
    branchekode: NonEmptyStr


class Virksomhedsform(Dated):
    virksomhedsformkode: int


class Status(Dated):
    statustekst: str | None = None


class Virksomhedsstatus(Dated):
    status: NonEmptyStr


class Beskaeftigelse(Loose):
    aar: Year
    antalAnsatte: Count | None = None
    intervalKodeAntalAnsatte: str | None = None


class Vaerdi(Dated):
    vaerdi: str | None = None


class Attribut(Loose):
    type: NonEmptyStr
    vaerdier: list[Vaerdi] = Field(default_factory=list)


class MedlemsData(Loose):
    attributter: list[Attribut] = Field(default_factory=list)


class Organisation(Loose):
    hovedtype: NonEmptyStr
    medlemsData: list[MedlemsData] = Field(default_factory=list)


class Deltager(Loose):
    enhedsNummer: int
    enhedstype: NonEmptyStr


class DeltagerRelation(Loose):
    deltager: Deltager | None = None
    organisationer: list[Organisation] = Field(default_factory=list)


class Metadata(Loose):
    sammensatStatus: str | None = None


class Vrvirksomhed(Loose):
    cvrNummer: Cvr
    enhedsNummer: int
    sidstOpdateret: IsoDateTime | None = None
    navne: list[Navn] = Field(min_length=1)
    beliggenhedsadresse: list[Adresse] = Field(default_factory=list)
    hovedbranche: list[Branche] = Field(default_factory=list)
    virksomhedsform: list[Virksomhedsform] = Field(default_factory=list)
    status: list[Status] = Field(default_factory=list)
    virksomhedsstatus: list[Virksomhedsstatus] = Field(default_factory=list)
    aarsbeskaeftigelse: list[Beskaeftigelse] = Field(default_factory=list)
    attributter: list[Attribut] = Field(default_factory=list)
    deltagerRelation: list[DeltagerRelation] = Field(default_factory=list)
    virksomhedMetadata: Metadata | None = None


class HitSource(Loose):
    Vrvirksomhed: Vrvirksomhed


class CompanyHit(Loose):
    source: HitSource = Field(alias="_source")


def _key(hit: Any) -> str:
    doc = (hit.get("_source") or {}).get("Vrvirksomhed") or {}
    return str(doc.get("cvrNummer") or hit.get("_id") or "")


def without_personal_names(payload: str) -> str:
    """SQL: the document with the names of its participants removed (every participant but a company: a person,
    or `ANDEN_DELTAGER`, which may be one). The scores need only a participant's `enhedsNummer`; the names stay in
    the warehouse and never reach a release."""
    relations = f"({payload} -> '$._source.Vrvirksomhed.deltagerRelation')"
    return f"""case when json_array_length({relations}) > 0 then json_merge_patch({payload}, json_object(
        '_source', json_object('Vrvirksomhed', json_object('deltagerRelation', to_json(list_transform(
            from_json({relations}, '["JSON"]'),
            lambda rel: case
                when (rel -> '$.deltager.navne') is not null
                    and coalesce(rel ->> '$.deltager.enhedstype', '') <> 'VIRKSOMHED'
                    then json_merge_patch(rel, '{{"deltager": {{"navne": null}}}}')
                else rel
            end))))))
        else {payload} end"""


CVR_COMPANIES = SourceSpec(
    name="cvr_companies",
    description="CVR company documents: names, legal form, status, address, industry, employment, roles.",
    sample_file="cvr/virksomhed.jsonl.gz",
    live_uri="http://distribution.virk.dk/cvr-permanent/virksomhed/_search",
    split=single("company", CompanyHit, _key),
    # 2.2 million documents nationally: checked in DuckDB (a record SQL passes has a valid cvrNummer, so the key
    # is that number, as `_key` gives it).
    bulk=BulkRules(
        "company", CompanyHit, key_sql="""json_extract_string(doc."_source"."Vrvirksomhed"."cvrNummer", '$')"""
    ),
    published_payload=without_personal_names,
)
