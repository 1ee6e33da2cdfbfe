"""Annual reports: publication metadata and the XBRL facts the rulebook reads (Danish taxonomy `fsa:`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from clusterscore.sources.fields import Cvr, IsoDate, IsoDateTime, Loose
from clusterscore.sources.spec import SourceSpec, single

FACT_ELEMENTS = ("fsa:Revenue", "fsa:ProfitLoss", "fsa:Equity", "fsa:AverageNumberOfEmployees")


class Period(Loose):
    startDato: IsoDate
    slutDato: IsoDate

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.startDato > self.slutDato:
            raise ValueError(f"period starts ({self.startDato}) after it ends ({self.slutDato})")
        return self


class Regnskab(Loose):
    regnskabsperiode: Period


class Facts(Loose):
    """Monetary facts in DKK; any may be absent when the report does not state it."""

    revenue: float | None = Field(None, alias="fsa:Revenue", strict=True)
    profit_loss: float | None = Field(None, alias="fsa:ProfitLoss", strict=True)
    equity: float | None = Field(None, alias="fsa:Equity", strict=True)
    average_employees: float | None = Field(None, alias="fsa:AverageNumberOfEmployees", strict=True, ge=0)


class AnnualReport(Loose):
    cvrNummer: Cvr
    offentliggoerelsesTidspunkt: IsoDateTime
    regnskab: Regnskab
    facts: Facts


def _key(report: Any) -> str:
    period = (report.get("regnskab") or {}).get("regnskabsperiode") or {}
    return f"{report.get('cvrNummer')}/{period.get('slutDato')}"


ANNUAL_REPORTS = SourceSpec(
    name="annual_reports",
    description="Annual reports of the cluster organisations: period, publication time, revenue, result, equity.",
    sample_file="annual_reports/regnskaber.jsonl.gz",
    live_uri="http://distribution.virk.dk/offentliggoerelser/_search",
    split=single("annual_report", AnnualReport, _key),
)
