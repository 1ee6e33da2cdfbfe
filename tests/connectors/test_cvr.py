"""CVR connector over real HTTP: batched terms reads, both Elasticsearch answer styles, scroll paging (1.x bare
scroll ids, 6.x JSON bodies), incremental reads, restarts, errors, name search, and the file it writes landing."""

import datetime as dt
import gzip
import json

import pytest

from clusterscore.connectors.cvr import CvrConnector
from clusterscore.connectors.errors import SourceLayoutError, SourceQueryError, TransientSourceError
from clusterscore.landing import land_file
from clusterscore.sources import SOURCES
from connectors.loopback import Reply

SEARCH = "/cvr-permanent/virksomhed/_search"
SCROLL = "/_search/scroll"
FOUND = [92399796, 89468272, 82443169, 60688869, 61604707]  # the synthetic companies in the recorded answers
BAD = 10152202  # a recorded document whose CVR number fails modulus 11
MISSING = 34173842  # asked for, not in the recorded answers


def read_lines(path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_batched_terms_read_in_both_answer_styles_lands(server, settings_for, con, quarantined, tmp_path):
    server.route(
        "POST", SEARCH, server.recorded("cvr/es6_terms_batch1.json"), server.recorded("cvr/es7_terms_batch2.json")
    )
    connector = CvrConnector(settings_for("cvr_companies", batch_size=4))
    read = connector.read([*FOUND[:3], MISSING, *FOUND[3:], BAD])
    dest = tmp_path / "virksomhed.jsonl.gz"
    assert connector.write(dest, read) == 6

    bodies = [r.json() for r in server.seen("POST", SEARCH)]
    assert [len(b["query"]["bool"]["must"][0]["terms"]["Vrvirksomhed.cvrNummer"]) for b in bodies] == [4, 2]
    assert read.load_kind == "full"
    assert read.details["invalid_cvr_numbers_skipped"] == [BAD]  # never asked for: it cannot be a CVR number
    assert read.details["not_found"] == [MISSING]

    lines = read_lines(dest)
    assert all(set(line) == {"_id", "_index", "_source"} for line in lines)  # the sample's layout, no _score
    numbers = [line["_source"]["Vrvirksomhed"]["cvrNummer"] for line in lines]
    assert numbers == sorted(numbers)

    result = land_file(con, SOURCES["cvr_companies"], dest, "http://loopback/cvr", run_id="test")
    assert (result.received, result.landed, result.quarantined) == (6, 5, 1)
    assert quarantined("cvr_companies") == [
        (str(BAD), "_source.Vrvirksomhed.cvrNummer", f"CVR number {BAD} fails the modulus-11 check")
    ]


def test_es1_scroll_switches_to_bare_scroll_ids_and_clears(server, settings_for):
    server.route("POST", SEARCH, server.recorded("cvr/es1_scroll_page1.json"))

    def scroll(request):
        if request.headers.get("content-type", "").startswith("application/json"):
            return server.recorded("cvr/es1_scroll_json_body_rejected.json", status=400)
        page = {"c2Nhbjs1OzExOmFBQkNkRWZH": 2, "c2Nhbjs1OzEyOmFBQkNkRWZI": 3}[request.body.decode()]
        return server.recorded(f"cvr/es1_scroll_page{page}.json")

    server.route("POST", SCROLL, scroll)
    server.route("DELETE", SCROLL, Reply(200, b'{"succeeded": true}'))
    read = CvrConnector(settings_for("cvr_companies")).read(None)
    assert sorted(line["_source"]["Vrvirksomhed"]["cvrNummer"] for line in read.lines) == sorted(FOUND)
    assert server.seen("POST", SEARCH)[0].query == {"scroll": "2m"}
    cleared = server.seen("DELETE", SCROLL)[0].body.decode().split(",")
    assert cleared == ["c2Nhbjs1OzExOmFBQkNkRWZH", "c2Nhbjs1OzEyOmFBQkNkRWZI", "c2Nhbjs1OzEzOmFBQkNkRWZJ"]


def test_es6_scroll_with_json_bodies_incremental_since(server, settings_for):
    server.route("POST", SEARCH, server.recorded("cvr/es6_scroll_page1.json"))
    server.route(
        "POST", SCROLL, server.recorded("cvr/es6_scroll_page2.json"), server.recorded("cvr/es6_scroll_page3.json")
    )
    server.route("DELETE", SCROLL, Reply(200, b'{"succeeded": true, "num_freed": 1}'))
    since = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
    read = CvrConnector(settings_for("cvr_companies", scroll_size=2)).read(None, since=since)
    assert read.load_kind == "incremental" and len(read.lines) == 5
    first = server.seen("POST", SEARCH)[0].json()
    assert first["size"] == 2
    assert first["query"] == {"range": {"Vrvirksomhed.sidstOpdateret": {"gte": "2026-11-26T00:00:00.000Z"}}}
    assert [r.json()["scroll_id"] for r in server.seen("POST", SCROLL)] == [
        "DXF1ZXJ5QW5kRmV0Y2gBAAAAAAAAAD4WYm9laVYtZndUQlNsdDcwakFMNjU1QQ=="
    ] * 2
    assert server.seen("DELETE", SCROLL)[0].json() == {
        "scroll_id": ["DXF1ZXJ5QW5kRmV0Y2gBAAAAAAAAAD4WYm9laVYtZndUQlNsdDcwakFMNjU1QQ=="]
    }


def test_incremental_read_of_listed_numbers_combines_terms_and_range(server, settings_for):
    server.route("POST", SEARCH, server.recorded("cvr/es6_terms_batch1.json"))
    read = CvrConnector(settings_for("cvr_companies")).read(FOUND[:3], since=dt.datetime(2026, 11, 26, 2, 0))
    must = server.seen("POST", SEARCH)[0].json()["query"]["bool"]["must"]
    assert must[1] == {"range": {"Vrvirksomhed.sidstOpdateret": {"gte": "2026-11-26T00:00:00.000Z"}}}
    assert read.load_kind == "incremental" and "not_found" not in read.details  # unchanged is not missing


def test_scroll_page_failing_midway_restarts_the_scroll(server, settings_for):
    server.route("POST", SEARCH, server.recorded("cvr/es6_scroll_page1.json"))
    server.route(
        "POST",
        SCROLL,
        Reply(500, b'{"error": {"type": "node_disconnected", "reason": "node went away"}, "status": 500}'),
        server.recorded("cvr/es6_scroll_page2.json"),
        server.recorded("cvr/es6_scroll_page3.json"),
    )
    server.route("DELETE", SCROLL, Reply(200, b"{}"))
    read = CvrConnector(settings_for("cvr_companies")).read(None)
    assert len(read.lines) == 5
    assert read.details["requests"]["scroll_restarts"] == 1
    assert len(server.seen("POST", SEARCH)) == 2  # started again from the first page


def test_scroll_ending_short_of_the_total_fails(server, settings_for):
    server.route("POST", SEARCH, server.recorded("cvr/es6_scroll_page1.json"))
    server.route("POST", SCROLL, Reply(body=b'{"_scroll_id": "x", "hits": {"total": 5, "hits": []}}'))
    server.route("DELETE", SCROLL, Reply(200, b"{}"))
    with pytest.raises(TransientSourceError, match="ended after 2 of 5 hits"):
        CvrConnector(settings_for("cvr_companies")).read(None)


def test_shard_failures_are_not_taken_as_a_complete_answer(server, settings_for):
    server.route("POST", SEARCH, server.recorded("cvr/es6_shard_failure.json"))
    with pytest.raises(TransientSourceError, match=r"1 of 5 shards failed.*Node not connected"):
        CvrConnector(settings_for("cvr_companies")).read(FOUND[:2])


def test_query_error_quotes_elasticsearch(server, settings_for):
    server.route("POST", SEARCH, server.recorded("cvr/es6_error_query.json", status=400))
    with pytest.raises(SourceQueryError, match="failed to create query"):
        CvrConnector(settings_for("cvr_companies")).read(FOUND[:2])


def test_unknown_answer_shape_fails_clearly(server, settings_for):
    server.route("POST", SEARCH, server.recorded("cvr/es6_unknown_shape.json"))
    with pytest.raises(SourceLayoutError, match=r"expected hits.hits, got top-level keys \['results', 'took'\]"):
        CvrConnector(settings_for("cvr_companies")).read(FOUND[:2])


def test_hits_without_company_documents_fail_clearly(server, settings_for):
    body = {"hits": {"total": 1, "hits": [{"_id": "1", "_source": {"Vrdeltagerperson": {"enhedsNummer": 1}}}]}}
    server.route("POST", SEARCH, Reply(body=json.dumps(body).encode()))
    with pytest.raises(SourceLayoutError, match=r"no hit has _source\.Vrvirksomhed"):
        CvrConnector(settings_for("cvr_companies")).read(FOUND[:1])


def test_read_larger_than_max_documents_is_refused(server, settings_for):
    server.route("POST", SEARCH, server.recorded("cvr/es6_scroll_page1.json"))
    server.route("DELETE", SCROLL, Reply(200, b"{}"))
    with pytest.raises(SourceQueryError, match="matches 5 documents, more than max_documents=3"):
        CvrConnector(settings_for("cvr_companies", max_documents=3)).read(None)


def test_name_search_lists_candidates(server, settings_for):
    server.route("POST", SEARCH, server.recorded("cvr/es6_name_search.json"))
    candidates = CvrConnector(settings_for("cvr_companies")).search_by_name("Nordlys Energy")
    query = server.seen("POST", SEARCH)[0].json()
    assert query["query"]["bool"]["should"][0] == {
        "match_phrase": {"Vrvirksomhed.virksomhedMetadata.nyesteNavn.navn": "Nordlys Energy"}
    }
    first = candidates[0]
    assert (first.cvr, first.name, first.municipality) == (34173842, "Nordlys Energy Cluster", "AALBORG")
    assert first.address == "Fabriksvej 15, 9000 Aalborg" and first.legal_form == "Forening"
    assert [c.cvr for c in candidates[1:]] == [92399796, 60688869]
    assert all(c.name and c.status for c in candidates)  # from the arrays when there is no metadata block
