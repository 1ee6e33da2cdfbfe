"""Annual reports over real HTTP: the publications index (scroll), corrections, XBRL documents served gzip (as a
gzip file and with Content-Encoding), instance and inline XBRL, unknown layouts recorded not guessed, and the
written file landing. Plus the XBRL reader on its own."""

import datetime as dt
import gzip

import pytest

from clusterscore.connectors.annual_reports import AnnualReportsConnector
from clusterscore.connectors.errors import SourceLayoutError
from clusterscore.connectors.output import write_jsonl_gz
from clusterscore.connectors.xbrl import XbrlLayoutError, parse_xbrl
from clusterscore.landing import land_file
from clusterscore.sources import SOURCES
from connectors.loopback import RECORDED, Reply

SEARCH = "/offentliggoerelser/_search"
NORDLYS, KYSTBY = 34173842, 45597822


def document(name: str) -> bytes:
    return (RECORDED / "annual_reports" / name).read_bytes()


def serve_index(server):
    server.route("POST", SEARCH, server.recorded("annual_reports/search_page1.json"))
    server.route("POST", "/_search/scroll", server.recorded("annual_reports/search_page2.json"))
    server.route("DELETE", "/_search/scroll", Reply(200, b"{}"))


def serve_documents(server):
    xml = {"Content-Type": "application/octet-stream"}
    # Served as a gzip file (no Content-Encoding), as the registry does, and once with Content-Encoding: gzip.
    server.route(
        "GET",
        "/regnskaber/34173842/2024/aarsrapport.xml",
        Reply(body=gzip.compress(document("nordlys_2024_instance.xml")), headers=xml),
    )
    server.route(
        "GET", "/regnskaber/34173842/2025/original.xml", Reply(body=document("nordlys_2025_original_instance.xml"))
    )
    server.route(
        "GET",
        "/regnskaber/34173842/2025/rettet.xhtml",
        Reply(
            body=document("nordlys_2025_correction_inline.xhtml"),
            gzip=True,
            headers={"Content-Type": "application/xml"},
        ),
    )
    server.route(
        "GET",
        "/regnskaber/45597822/2024/aarsrapport.xml",
        Reply(404, b"<html>Not Found</html>", {"Content-Type": "text/html"}),
    )
    server.route(
        "GET",
        "/regnskaber/45597822/2023/aarsrapport.xml",
        Reply(body=gzip.compress(document("kystby_2023_ifrs.xml")), headers=xml),
    )


def test_reports_are_read_corrected_parsed_and_landed(server, settings_for, con, quarantined, tmp_path):
    serve_index(server)
    serve_documents(server)
    settings = settings_for("annual_reports", path=SEARCH, username_env="", password_env="")
    lines, details = AnnualReportsConnector(settings).read([NORDLYS, KYSTBY], today=dt.date(2026, 11, 27))

    query = server.seen("POST", SEARCH)[0].json()["query"]["bool"]["must"]
    assert query == [
        {"terms": {"cvrNummer": [NORDLYS, KYSTBY]}},
        {"range": {"offentliggoerelsesTidspunkt": {"gte": "2020-11-27T00:00:00.000Z"}}},
    ]
    assert "authorization" not in server.seen("POST", SEARCH)[0].headers  # the index is open: no credentials sent
    assert (details["publications"], details["annual_reports"], details["superseded_by_corrections"]) == (8, 6, 1)
    assert server.seen("GET", "/regnskaber/34173842/2025/original.xml") == []  # superseded: never downloaded

    by_key = {(line["cvrNummer"], line["regnskab"]["regnskabsperiode"]["slutDato"]): line for line in lines}
    assert by_key[(NORDLYS, "2024-12-31")]["facts"] == {
        "fsa:Revenue": 44200000,
        "fsa:ProfitLoss": 800000,
        "fsa:Equity": 8900000,  # the total, not the dimensioned retained-earnings component
        "fsa:AverageNumberOfEmployees": 13,
    }
    corrected = by_key[(NORDLYS, "2025-12-31")]
    assert corrected["offentliggoerelsesTidspunkt"] == "2026-05-11T09:02:13.000Z"
    assert corrected["facts"] == {
        "fsa:Revenue": 46000000,
        "fsa:ProfitLoss": 1200000,
        "fsa:Equity": 10100000,
        "fsa:AverageNumberOfEmployees": 14,
    }
    assert corrected["facts_source"]["kind"] == "inline"
    missing = by_key[(KYSTBY, "2024-12-31")]["facts_source"]
    assert missing["status"] == "unparseable" and "HTTP 404" in missing["reason"]
    ifrs = by_key[(KYSTBY, "2023-12-31")]["facts_source"]
    assert ifrs["status"] == "unparseable" and "no facts of the Danish FSA taxonomy" in ifrs["reason"]
    assert by_key[(KYSTBY, "2025-12-31")]["facts_source"]["status"] == "no_xbrl"
    assert len(details["unparseable_documents"]) == 2

    dest = tmp_path / "regnskaber.jsonl.gz"
    write_jsonl_gz(dest, lines)
    result = land_file(con, SOURCES["annual_reports"], dest, settings.url, run_id="test")
    assert (result.received, result.landed, result.quarantined) == (6, 5, 1)
    [(key, field, reason)] = quarantined("annual_reports")
    assert key == f"{KYSTBY}/2022-12-31" and field == "regnskab.regnskabsperiode.startDato"
    assert reason == "not a calendar date: '2022-13-01'"


def test_every_document_unreadable_means_the_layout_changed(server, settings_for):
    serve_index(server)
    for path in (
        "/regnskaber/34173842/2024/aarsrapport.xml",
        "/regnskaber/34173842/2025/rettet.xhtml",
        "/regnskaber/45597822/2024/aarsrapport.xml",
        "/regnskaber/45597822/2023/aarsrapport.xml",
    ):
        server.route("GET", path, Reply(body=b"<html><body>New document viewer</body></html>"))
    settings = settings_for("annual_reports", path=SEARCH, username_env="", password_env="")
    with pytest.raises(SourceLayoutError, match="none of the 4 XBRL documents could be read"):
        AnnualReportsConnector(settings).read([NORDLYS, KYSTBY], today=dt.date(2026, 11, 27))


def test_broken_gzip_document_is_recorded_not_fatal(server, settings_for):
    serve_index(server)
    serve_documents(server)
    server.route("GET", "/regnskaber/34173842/2024/aarsrapport.xml", Reply(body=b"\x1f\x8b\x08\x00broken"))
    settings = settings_for("annual_reports", path=SEARCH, username_env="", password_env="")
    lines, _ = AnnualReportsConnector(settings).read([NORDLYS, KYSTBY], today=dt.date(2026, 11, 27))
    broken = next(
        line
        for line in lines
        if line["regnskab"]["regnskabsperiode"]["slutDato"] == "2024-12-31" and line["cvrNummer"] == NORDLYS
    )
    assert broken["facts"] == {} and "gzip" in broken["facts_source"]["reason"]


# The XBRL reader on its own.

INSTANCE = """<?xml version="1.0"?>
<xbrli:xbrl xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:e="http://xbrl.dcca.dk/fsa">
  <xbrli:context id="cy"><xbrli:entity><xbrli:identifier scheme="http://www.dcca.dk/cvr">1</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:startDate>2025-01-01</xbrli:startDate><xbrli:endDate>2025-12-31</xbrli:endDate></xbrli:period></xbrli:context>
  <xbrli:context id="end"><xbrli:entity><xbrli:identifier scheme="http://www.dcca.dk/cvr">1</xbrli:identifier></xbrli:entity>
    <xbrli:period><xbrli:instant>2025-12-31</xbrli:instant></xbrli:period></xbrli:context>
  <xbrli:unit id="DKK"><xbrli:measure>iso4217:DKK</xbrli:measure></xbrli:unit>
  <xbrli:unit id="EUR"><xbrli:measure>iso4217:EUR</xbrli:measure></xbrli:unit>
  {facts}
</xbrli:xbrl>"""


def parse(facts: str):
    return parse_xbrl(INSTANCE.format(facts=facts).encode(), "2025-01-01", "2025-12-31")


def test_conflicting_values_and_other_currencies_are_left_out_with_a_note():
    result = parse(
        '<e:Revenue contextRef="cy" unitRef="DKK">100</e:Revenue><e:Revenue contextRef="cy" unitRef="DKK">200</e:Revenue>'
        '<e:Equity contextRef="end" unitRef="EUR">50</e:Equity>'
        '<e:ProfitLoss contextRef="cy" unitRef="DKK">-12.5</e:ProfitLoss>'
        '<e:AverageNumberOfEmployees contextRef="cy" xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
    )
    assert result.facts == {"fsa:ProfitLoss": -12.5}
    assert any("different values" in note for note in result.notes)
    assert any("iso4217:EUR, not DKK" in note for note in result.notes)


def test_inline_number_formats_scale_and_sign():
    html = b"""<html xmlns="http://www.w3.org/1999/xhtml" xmlns:ix="http://www.xbrl.org/2013/inlineXBRL"
      xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:fsa="http://xbrl.dcca.dk/fsa"><body>
      <ix:header><ix:resources>
        <xbrli:context id="cy"><xbrli:entity><xbrli:identifier scheme="x">1</xbrli:identifier></xbrli:entity>
          <xbrli:period><xbrli:startDate>2025-01-01</xbrli:startDate><xbrli:endDate>2025-12-31</xbrli:endDate></xbrli:period></xbrli:context>
        <xbrli:unit id="DKK"><xbrli:measure>iso4217:DKK</xbrli:measure></xbrli:unit>
      </ix:resources></ix:header>
      <ix:nonFraction name="fsa:Revenue" contextRef="cy" unitRef="DKK" format="ixt:num-dot-decimal" scale="6">1,234.5</ix:nonFraction>
      <ix:nonFraction name="fsa:ProfitLoss" contextRef="cy" unitRef="DKK" sign="-" format="ixt4:num-comma-decimal">1.234,50</ix:nonFraction>
      <ix:nonFraction name="fsa:AverageNumberOfEmployees" contextRef="cy" format="ixt:roman-numerals">XII</ix:nonFraction>
    </body></html>"""
    result = parse_xbrl(html, "2025-01-01", "2025-12-31")
    assert result.facts == {"fsa:Revenue": 1234500000, "fsa:ProfitLoss": -1234.5}
    assert any("unknown inline XBRL number format 'ixt:roman-numerals'" in note for note in result.notes)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7 binary", "not well-formed XML"),
        (b"<root/>", "neither an XBRL instance"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "DTD entities"),
        (INSTANCE.format(facts="").encode(), "no facts of the Danish FSA taxonomy"),
    ],
)
def test_unknown_layouts_raise_with_the_reason(data, reason):
    with pytest.raises(XbrlLayoutError, match=reason):
        parse_xbrl(data, "2025-01-01", "2025-12-31")


def test_period_comes_from_the_document_when_the_index_lacks_it():
    data = document("nordlys_2024_instance.xml")
    assert parse_xbrl(data).period == ("2024-01-01", "2024-12-31")
    with pytest.raises(XbrlLayoutError, match="period is not stated"):
        parse_xbrl(INSTANCE.format(facts='<e:Revenue contextRef="cy" unitRef="DKK">1</e:Revenue>').encode())
