"""Reading the CVR distribution service's Elasticsearch indexes, whichever version answers.

Sources disagree on the version behind distribution.virk.dk (1.7 or 6.x), so both answer styles are read:

- `hits.total`: an integer (1.x-6.x) or an object `{"value": n, "relation": "eq" | "gte"}` (7.x and later);
- the scroll id: `_scroll_id` in the answer (older proxies: `scroll_id`); it may change from page to page;
- continuing a scroll: 2.x+ take `{"scroll": "2m", "scroll_id": "..."}` as JSON, 1.x takes the bare id as the
  request body. `scroll_style: auto` sends JSON first and, when the service answers that it cannot decode the
  scroll id (what 1.x says to a JSON body), switches to the bare id for the rest of the read;
- clearing a scroll: DELETE /_search/scroll with `{"scroll_id": [...]}` (2.x+) or the bare ids (1.x);
- errors: `{"error": "SearchPhaseExecutionException[...]"}` (1.x) or `{"error": {"root_cause": [...]}}` (2.x+),
  quoted in the SourceQueryError.

Queries use only what both versions understand (`bool.must` with `terms`, `range`, `match`). A read is complete
or it fails: shard failures and server-side timeouts are errors (the answer would be partial), and a scroll that
ends with fewer hits than the service said it had is restarted, then reported.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from clusterscore.connectors.errors import (
    ConnectorError,
    SourceAuthError,
    SourceLayoutError,
    SourceQueryError,
    TransientSourceError,
)
from clusterscore.connectors.http_client import HttpClient

SCROLL_RESTARTS = 2
_SCROLL_ID_REJECTED = re.compile(r"scroll.?id|decode|parse", re.IGNORECASE)


@dataclass
class Total:
    """How many documents the service says match: `exact` False when it only gives a lower bound."""

    value: int | None
    exact: bool


@dataclass
class ScrollResult:
    hits: list[dict]
    total: Total
    pages: int
    restarts: int = 0
    notes: list[str] = field(default_factory=list)


def hits_total(body: dict) -> Total:
    total = body.get("hits", {}).get("total")
    if isinstance(total, bool):
        return Total(None, False)
    if isinstance(total, int):
        return Total(total, True)
    if isinstance(total, dict) and isinstance(total.get("value"), int):
        return Total(total["value"], total.get("relation", "eq") == "eq")
    return Total(None, False)


def scroll_id_of(body: dict) -> str | None:
    value = body.get("_scroll_id") or body.get("scroll_id")
    return value if isinstance(value, str) and value else None


class Elasticsearch:
    """One index's `_search` endpoint and the cluster's scroll endpoint, read through an HttpClient."""

    def __init__(self, client: HttpClient, settings):
        self.client, self.settings = client, settings
        self.source, self.url = settings.name, settings.url
        parts = urlsplit(settings.url)
        self.scroll_url = settings.scroll_url or f"{parts.scheme}://{parts.netloc}/_search/scroll"
        self.style = "raw" if settings.scroll_style == "raw" else "json"

    def hits_of(self, body: object, url: str) -> list[dict]:
        """The hits of a search answer, after checking it is complete and in a shape we know."""
        if not isinstance(body, dict):
            raise SourceLayoutError(self.source, url, f"expected a JSON object, got {type(body).__name__}")
        if "error" in body:
            error = body["error"]
            reason = error if isinstance(error, str) else (error or {}).get("reason", error)
            raise SourceQueryError(self.source, url, f"the service answered with an error: {reason}")
        hits = body.get("hits")
        if not isinstance(hits, dict) or not isinstance(hits.get("hits"), list):
            raise SourceLayoutError(
                self.source, url, f"unknown answer shape: expected hits.hits, got top-level keys {sorted(body)}"
            )
        if body.get("timed_out") is True:
            raise TransientSourceError(self.source, url, "the search timed out on the server: the answer is partial")
        shards = body.get("_shards") or {}
        if isinstance(shards, dict) and shards.get("failed"):
            failures = shards.get("failures") or [{}]
            reason = failures[0].get("reason") if isinstance(failures[0], dict) else failures[0]
            raise TransientSourceError(
                self.source,
                url,
                f"{shards['failed']} of {shards.get('total')} shards failed, the answer is partial: {reason}",
            )
        bad = [hit for hit in hits["hits"] if not isinstance(hit, dict)]
        if bad:
            raise SourceLayoutError(self.source, url, f"a hit is not an object: {bad[0]!r:.100}")
        return hits["hits"]

    def search(self, body: dict) -> tuple[list[dict], Total]:
        """One search request (size <= 3,000 with `from`)."""
        answer = self.client.json("POST", self.url, json=body)
        hits = self.hits_of(answer, self.url)
        return hits, hits_total(answer)

    def scroll(self, query: dict) -> ScrollResult:
        """Every hit of `query` through the scroll API, restarted from the start if it breaks off midway."""
        notes: list[str] = []
        for restart in range(SCROLL_RESTARTS + 1):
            try:
                result = self._scroll_once(query, notes)
            except ScrollBrokeOff as exc:
                if restart == SCROLL_RESTARTS:
                    raise
                notes.append(f"scroll restarted after: {exc.message}")
                continue
            result.restarts, result.notes = restart, notes
            return result
        raise AssertionError("unreachable")

    def _scroll_once(self, query: dict, notes: list[str]) -> ScrollResult:
        keepalive = self.settings.scroll_keepalive
        answer = self.client.json(
            "POST", self.url, params={"scroll": keepalive}, json={**query, "size": self.settings.scroll_size}
        )
        page_hits = self.hits_of(answer, self.url)
        total = hits_total(answer)
        if total.value is not None and total.value > self.settings.max_documents:
            raise SourceQueryError(
                self.source,
                self.url,
                f"the query matches {total.value} documents, more than max_documents={self.settings.max_documents}; "
                "narrow it (CVR numbers, `since`) or raise the limit",
            )
        by_id: dict[str, dict] = {}
        order: list[dict] = []

        def keep(hits: list[dict]) -> None:
            for hit in hits:
                key = str(hit.get("_id")) if hit.get("_id") is not None else f"#{len(order)}"
                if key not in by_id:
                    by_id[key] = hit
                    order.append(hit)

        keep(page_hits)
        scroll_ids: list[str] = []
        scroll_id = scroll_id_of(answer)
        pages = 1
        try:
            while True:
                if total.exact and total.value is not None and len(order) >= total.value:
                    break
                if not scroll_id:
                    if total.value is not None and len(order) < total.value:
                        raise SourceLayoutError(
                            self.source,
                            self.url,
                            f"the answer has {len(order)} of {total.value} hits but no _scroll_id to continue with",
                        )
                    break
                if scroll_id not in scroll_ids:
                    scroll_ids.append(scroll_id)
                answer = self._scroll_page(scroll_id)
                pages += 1
                page_hits = self.hits_of(answer, self.scroll_url)
                scroll_id = scroll_id_of(answer) or scroll_id
                if not page_hits:
                    break
                keep(page_hits)
                if len(order) > self.settings.max_documents:
                    raise SourceQueryError(
                        self.source, self.url, f"more than max_documents={self.settings.max_documents} hits"
                    )
        finally:
            if scroll_id and scroll_id not in scroll_ids:
                scroll_ids.append(scroll_id)
            self._clear(scroll_ids, notes)
        if total.exact and total.value is not None and len(order) != total.value:
            raise ScrollBrokeOff(
                self.source,
                self.scroll_url,
                f"the scroll ended after {len(order)} of {total.value} hits: the read is incomplete",
            )
        return ScrollResult(order, total, pages)

    def _scroll_page(self, scroll_id: str) -> dict:
        """The next page. Only answers that say the page was not served (429, 503) are retried in place; anything
        else breaks the scroll off (a retried page might silently skip one), and the scroll restarts."""
        keepalive = self.settings.scroll_keepalive
        if self.style == "json":
            try:
                return self.client.json(
                    "POST",
                    self.scroll_url,
                    json={"scroll": keepalive, "scroll_id": scroll_id},
                    retry_statuses={429, 503},
                    retry_network_errors=False,
                )
            except SourceQueryError as exc:
                if self.settings.scroll_style != "auto" or not _SCROLL_ID_REJECTED.search(exc.message):
                    raise _broken_off(exc) from exc
                self.style = "raw"  # an Elasticsearch 1.x: the scroll id goes bare in the body
            except (SourceAuthError, SourceLayoutError):
                raise
            except ConnectorError as exc:
                raise _broken_off(exc) from exc
        try:
            return self.client.json(
                "POST",
                self.scroll_url,
                params={"scroll": keepalive},
                data=scroll_id.encode(),
                headers={"Content-Type": "text/plain"},
                retry_statuses={429, 503},
                retry_network_errors=False,
            )
        except (SourceAuthError, SourceLayoutError):
            raise
        except ConnectorError as exc:
            raise _broken_off(exc) from exc

    def _clear(self, scroll_ids: list[str], notes: list[str]) -> None:
        """Free the scroll contexts on the server (best effort: they expire after the keepalive anyway)."""
        if not scroll_ids:
            return
        try:
            if self.style == "json":
                self.client.request("DELETE", self.scroll_url, json={"scroll_id": scroll_ids}, retry_statuses=())
            else:
                self.client.request(
                    "DELETE",
                    self.scroll_url,
                    data=",".join(scroll_ids).encode(),
                    headers={"Content-Type": "text/plain"},
                    retry_statuses=(),
                )
        except ConnectorError as exc:
            notes.append(f"clearing the scroll failed (it expires by itself): {exc.message}")


class ScrollBrokeOff(TransientSourceError):
    """A scroll stopped midway (a failed page, fewer hits than announced): restart it from the beginning."""


def _broken_off(exc: ConnectorError) -> ScrollBrokeOff:
    return ScrollBrokeOff(exc.source, exc.uri, f"a scroll page failed, {exc.message}", exc.status)
