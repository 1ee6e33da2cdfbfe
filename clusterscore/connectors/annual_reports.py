"""Annual-report connector: the publications index ("offentliggørelser") and the XBRL documents it points to.

For the given CVR numbers (in batches of `batch_size`), every publication of the last `years_back` years is read
with the scroll API (`terms` on cvrNummer, `range` on offentliggoerelsesTidspunkt). A publication is an annual
report when one of its `dokumenter` has dokumentType AARSRAPPORT; its XBRL document is the one with
dokumentMimeType application/xml. Corrections are published again for the same period: per company and period end
only the latest publication is kept (the record key is `<cvr>/<period end>`).

The XBRL document is downloaded (served gzip: unpacked) and its facts read by `xbrl.parse_xbrl` (element names
documented there). One line per report, in the layout of sample/annual_reports/regnskaber.jsonl.gz:
{"cvrNummer", "offentliggoerelsesTidspunkt", "regnskab": {"regnskabsperiode": {...}}, "dokumenter": [...],
"facts": {"fsa:Revenue": ..., ...}} plus `facts_source` saying where the facts came from: `parsed` (document URL,
kind, contexts used, notes), `unparseable` (with the reason: the report lands, its facts stay missing), or
`no_xbrl` (a report published without an XBRL document). If every document read fails, the layout has changed
and the whole read fails with SourceLayoutError instead of landing reports without facts.
"""

import datetime as dt
from collections.abc import Iterable

from clusterscore.connectors.cvr import chunks
from clusterscore.connectors.elastic import Elasticsearch
from clusterscore.connectors.errors import SourceLayoutError, SourceQueryError
from clusterscore.connectors.http_client import HttpClient
from clusterscore.connectors.xbrl import XbrlLayoutError, parse_xbrl
from clusterscore.cvr_numbers import is_valid_cvr

DOCUMENT_TYPE = "AARSRAPPORT"
XBRL_MIME = "application/xml"


def _documents(publication: dict) -> list[dict]:
    documents = publication.get("dokumenter")
    return [d for d in documents if isinstance(d, dict)] if isinstance(documents, list) else []


def is_annual_report(publication: dict) -> bool:
    kind = publication.get("offentliggoerelsestype")
    if kind is not None and str(kind).lower() != "regnskab":
        return False
    return any(str(d.get("dokumentType", "")).upper() == DOCUMENT_TYPE for d in _documents(publication))


def xbrl_document(publication: dict) -> dict | None:
    for document in _documents(publication):
        if (
            str(document.get("dokumentType", "")).upper() == DOCUMENT_TYPE
            and str(document.get("dokumentMimeType", "")).lower() == XBRL_MIME
            and document.get("dokumentUrl")
        ):
            return document
    return None


def _period(publication: dict) -> dict:
    regnskab = publication.get("regnskab")
    period = regnskab.get("regnskabsperiode") if isinstance(regnskab, dict) else None
    return period if isinstance(period, dict) else {}


def latest_per_period(publications: list[dict]) -> tuple[list[dict], int]:
    """The newest publication per (CVR number, period end): corrections replace what they correct."""
    chosen: dict[tuple, dict] = {}
    for publication in publications:
        key = (str(publication.get("cvrNummer")), str(_period(publication).get("slutDato")))
        best = chosen.get(key)
        if best is None or str(publication.get("offentliggoerelsesTidspunkt") or "") > str(
            best.get("offentliggoerelsesTidspunkt") or ""
        ):
            chosen[key] = publication
    return [chosen[key] for key in sorted(chosen)], len(publications) - len(chosen)


class AnnualReportsConnector:
    def __init__(self, settings, client: HttpClient | None = None, documents: HttpClient | None = None):
        self.settings = settings
        self.client = client or HttpClient.from_settings(settings)
        # Documents live on another host: a client without the index's credentials fetches them.
        self.documents = documents or HttpClient.from_settings(settings, credentials=False)
        self.es = Elasticsearch(self.client, settings)

    def close(self) -> None:
        self.client.close()
        self.documents.close()

    def publications(self, cvr_numbers: list[int], today: dt.date) -> tuple[list[dict], dict]:
        since = today.replace(year=today.year - self.settings.years_back, day=min(today.day, 28))
        found: list[dict] = []
        pages = restarts = 0
        for batch in chunks(cvr_numbers, self.settings.batch_size):
            query = {
                "query": {
                    "bool": {
                        "must": [
                            {"terms": {"cvrNummer": batch}},
                            {"range": {"offentliggoerelsesTidspunkt": {"gte": f"{since.isoformat()}T00:00:00.000Z"}}},
                        ]
                    }
                }
            }
            result = self.es.scroll(query)
            pages, restarts = pages + result.pages, restarts + result.restarts
            found.extend(hit.get("_source") for hit in result.hits)
        usable = [p for p in found if isinstance(p, dict) and "cvrNummer" in p]
        if found and not usable:
            raise SourceLayoutError(
                self.settings.name,
                self.settings.url,
                "no hit has _source.cvrNummer: the publications index answers in a shape we do not know",
            )
        return usable, {"published_since": since.isoformat(), "scroll_pages": pages, "scroll_restarts": restarts}

    def read(self, cvr_numbers: Iterable[int], today: dt.date | None = None) -> tuple[list[dict], dict]:
        numbers = sorted({int(n) for n in cvr_numbers if is_valid_cvr(int(n))})
        publications, details = self.publications(numbers, today or dt.date.today())
        reports = [p for p in publications if is_annual_report(p)]
        reports, superseded = latest_per_period(reports)
        details.update(
            publications=len(publications), annual_reports=len(reports), superseded_by_corrections=superseded
        )
        lines, unparseable, attempted = [], [], 0
        for report in reports:
            document = xbrl_document(report)
            line = {
                "cvrNummer": report.get("cvrNummer"),
                "offentliggoerelsesTidspunkt": report.get("offentliggoerelsesTidspunkt"),
                "regnskab": {"regnskabsperiode": _period(report)} if _period(report) else report.get("regnskab"),
                "dokumenter": [
                    {k: d.get(k) for k in ("dokumentUrl", "dokumentMimeType", "dokumentType")}
                    for d in _documents(report)
                ],
            }
            if document is None:
                line["facts"] = {}
                line["facts_source"] = {"status": "no_xbrl", "reason": "published without an XBRL document"}
            else:
                attempted += 1
                line["facts"], line["facts_source"] = self._facts(document["dokumentUrl"], _period(report))
                if line["facts_source"]["status"] == "unparseable":
                    unparseable.append(
                        {"cvr": report.get("cvrNummer"), "url": document["dokumentUrl"], **line["facts_source"]}
                    )
            lines.append(line)
        details.update(documents_read=attempted, unparseable_documents=unparseable)
        if attempted and len(unparseable) == attempted:
            reasons = "; ".join(f"{u['url']}: {u['reason']}" for u in unparseable[:3])
            raise SourceLayoutError(
                self.settings.name,
                self.settings.url,
                f"none of the {attempted} XBRL documents could be read: {reasons}",
            )
        return lines, details

    def _facts(self, url: str, period: dict) -> tuple[dict, dict]:
        try:
            data = self.documents.download(url, self.settings.max_document_bytes)
        except (SourceLayoutError, SourceQueryError) as exc:  # e.g. 404, broken gzip: this document only
            return {}, {"status": "unparseable", "document_url": url, "reason": exc.message}
        try:
            parsed = parse_xbrl(data, period.get("startDato"), period.get("slutDato"))
        except XbrlLayoutError as exc:
            return {}, {"status": "unparseable", "document_url": url, "reason": str(exc)}
        source = {"status": "parsed", "document_url": url, "kind": parsed.kind, "contexts": parsed.contexts}
        if parsed.notes:
            source["notes"] = parsed.notes
        return parsed.facts, source
