"""CVR connector: company documents from the system-to-system Elasticsearch service (index `virksomhed`).

Reads, all through the Elasticsearch helper (both 1.x and 6.x answer styles):
- by CVR numbers, in batches of `batch_size` (a `terms` query on Vrvirksomhed.cvrNummer; `from + size` may not
  exceed 3,000, so a batch that matches more than it asked for falls back to the scroll API);
- incremental: documents with Vrvirksomhed.sidstOpdateret >= `since` minus `incremental_overlap_hours`, for the
  given CVR numbers or, without them, the whole index (scroll);
- bulk: the whole index (scroll), refused above `max_documents`;
- by name (`search_by_name`): candidates for a person to confirm, never used automatically.

Each hit is written as one line {"_id", "_index", "_source": {"Vrvirksomhed": ...}}, the layout of
sample/cvr/virksomhed.jsonl.gz (without `_score` and `_type`, which change with the query, not the company), sorted
by CVR number, so the same registry content gives the same file. Credentials: HTTP Basic from the variables named
by `username_env` / `password_env` (CVR_USERNAME / CVR_PASSWORD).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from clusterscore.connectors.elastic import Elasticsearch
from clusterscore.connectors.errors import SourceLayoutError
from clusterscore.connectors.http_client import HttpClient
from clusterscore.connectors.output import write_jsonl_gz
from clusterscore.cvr_numbers import is_valid_cvr

CVR_FIELD = "Vrvirksomhed.cvrNummer"
UPDATED_FIELD = "Vrvirksomhed.sidstOpdateret"
NAME_FIELDS = ("Vrvirksomhed.virksomhedMetadata.nyesteNavn.navn", "Vrvirksomhed.navne.navn")
CANDIDATE_SOURCE_FIELDS = [
    "Vrvirksomhed.cvrNummer",
    "Vrvirksomhed.navne",
    "Vrvirksomhed.virksomhedsstatus",
    "Vrvirksomhed.beliggenhedsadresse",
    "Vrvirksomhed.virksomhedsform",
    "Vrvirksomhed.virksomhedMetadata",
]
MAX_WINDOW = 3000  # Elasticsearch: from + size may not exceed this


@dataclass(frozen=True)
class Candidate:
    """A company a name search found, for a person to confirm or reject."""

    cvr: int | None
    name: str | None
    status: str | None
    legal_form: str | None
    address: str | None
    municipality: str | None
    score: float | None


@dataclass
class CvrRead:
    lines: list[dict]
    load_kind: str
    details: dict


def chunks(values: list, size: int) -> Iterable[list]:
    for start in range(0, len(values), max(1, size)):
        yield values[start : start + max(1, size)]


def company_of(hit: dict) -> dict | None:
    source = hit.get("_source")
    document = source.get("Vrvirksomhed") if isinstance(source, dict) else None
    return document if isinstance(document, dict) else None


def hit_line(hit: dict) -> dict:
    """The line written for one hit: the sample's layout."""
    return {key: hit[key] for key in ("_id", "_index", "_source") if key in hit}


def _current(items: object) -> dict | None:
    """The current item of a bitemporal array: open period first, then the latest start."""
    if not isinstance(items, list):
        return None
    dated = [item for item in items if isinstance(item, dict)]
    if not dated:
        return None

    def rank(item: dict) -> tuple:
        period = item.get("periode") or {}
        return (period.get("gyldigTil") is None, str(period.get("gyldigFra") or ""))

    return max(dated, key=rank)


def candidate_of(hit: dict) -> Candidate:
    doc = company_of(hit) or {}
    meta = doc.get("virksomhedMetadata") or {}
    name = (meta.get("nyesteNavn") or {}).get("navn") or (_current(doc.get("navne")) or {}).get("navn")
    status = meta.get("sammensatStatus") or (_current(doc.get("virksomhedsstatus")) or {}).get("status")
    form = (meta.get("nyesteVirksomhedsform") or {}).get("langBeskrivelse") or (
        _current(doc.get("virksomhedsform")) or {}
    ).get("langBeskrivelse")
    address = meta.get("nyesteBeliggenhedsadresse") or _current(doc.get("beliggenhedsadresse")) or {}
    street = " ".join(str(part) for part in (address.get("vejnavn"), address.get("husnummerFra")) if part)
    town = " ".join(str(part) for part in (address.get("postnummer"), address.get("postdistrikt")) if part)
    cvr = doc.get("cvrNummer")
    return Candidate(
        cvr=cvr if isinstance(cvr, int) else None,
        name=name,
        status=status,
        legal_form=form,
        address=", ".join(part for part in (street, town) if part) or None,
        municipality=(address.get("kommune") or {}).get("kommuneNavn"),
        score=hit.get("_score"),
    )


def _since_text(since: dt.datetime, overlap_hours: float) -> str:
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    start = (since - dt.timedelta(hours=overlap_hours)).astimezone(dt.UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class CvrConnector:
    def __init__(self, settings, client: HttpClient | None = None):
        self.settings = settings
        self.client = client or HttpClient.from_settings(settings, auth_required=True)
        self.es = Elasticsearch(self.client, settings)

    def close(self) -> None:
        self.client.close()

    def search_by_name(self, name: str, size: int = 10) -> list[Candidate]:
        """Companies whose current or former name matches `name`, best first."""
        query = {
            "query": {
                "bool": {
                    "should": [
                        {"match_phrase": {NAME_FIELDS[0]: name}},
                        {"match": {NAME_FIELDS[1]: {"query": name, "operator": "and"}}},
                    ],
                    "minimum_should_match": 1,
                }
            },
            "size": size,
            "_source": CANDIDATE_SOURCE_FIELDS,
        }
        hits, _ = self.es.search(query)
        return [candidate_of(hit) for hit in hits]

    def read(self, cvr_numbers: Iterable[int] | None = None, since: dt.datetime | None = None) -> CvrRead:
        """Companies by number (full), changed since `since` (incremental), or the whole index (bulk)."""
        numbers = sorted({int(n) for n in cvr_numbers}) if cvr_numbers is not None else None
        details: dict = {"requests": {}}
        invalid = [n for n in numbers or [] if not is_valid_cvr(n)]
        if invalid:
            details["invalid_cvr_numbers_skipped"] = invalid[:50]
            numbers = [n for n in numbers if is_valid_cvr(n)]
        hits: list[dict] = []
        range_filter = None
        if since is not None:
            details["since"] = _since_text(since, self.settings.incremental_overlap_hours)
            range_filter = {"range": {UPDATED_FIELD: {"gte": details["since"]}}}
        if numbers is None:
            query = {"query": range_filter or {"match_all": {}}}
            result = self.es.scroll(query)
            hits.extend(result.hits)
            details["requests"] = {"scroll_pages": result.pages, "scroll_restarts": result.restarts}
            details["notes"] = result.notes
        else:
            searches = pages = restarts = 0
            for batch in chunks(numbers, self.settings.batch_size):
                must: list[dict] = [{"terms": {CVR_FIELD: batch}}]
                if range_filter:
                    must.append(range_filter)
                query = {"query": {"bool": {"must": must}}}
                size = min(MAX_WINDOW, len(batch))
                found, total = self.es.search({**query, "size": size})
                searches += 1
                if (total.value is not None and total.value > len(found)) or (not total.exact and len(found) == size):
                    result = self.es.scroll(query)  # more matches than asked for: read them all
                    found, pages, restarts = result.hits, pages + result.pages, restarts + result.restarts
                hits.extend(found)
            details["requests"] = {"searches": searches, "scroll_pages": pages, "scroll_restarts": restarts}
        lines = self._lines(hits)
        if numbers is not None:
            found_numbers = {line["_source"]["Vrvirksomhed"].get("cvrNummer") for line in lines if company_of(line)}
            missing = [n for n in numbers if n not in found_numbers]
            details["requested"] = len(numbers)
            if since is None:
                details["not_found_count"] = len(missing)
                details["not_found"] = missing[:100]
        load_kind = "incremental" if since is not None else "full"
        return CvrRead(lines, load_kind, details)

    def _lines(self, hits: list[dict]) -> list[dict]:
        if hits and not any(company_of(hit) for hit in hits):
            keys = sorted({key for hit in hits[:20] for key in (hit.get("_source") or {})})
            raise SourceLayoutError(
                self.settings.name,
                self.settings.url,
                f"no hit has _source.Vrvirksomhed (the company document); _source keys seen: {keys}",
            )
        by_key: dict[str, dict] = {}
        for hit in hits:
            doc = company_of(hit)
            key = str(doc.get("cvrNummer")) if doc and doc.get("cvrNummer") is not None else f"id:{hit.get('_id')}"
            by_key.setdefault(key, hit_line(hit))
        return [by_key[key] for key in sorted(by_key, key=lambda k: (k.startswith("id:"), k))]

    def write(self, dest: Path, read: CvrRead) -> int:
        return write_jsonl_gz(dest, read.lines)
