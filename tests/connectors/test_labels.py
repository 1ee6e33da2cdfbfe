"""Label list over real HTTP: two pages followed through the pager, values read not guessed, a changed layout or
an empty table failing clearly, and the written file landing."""

import pytest

from clusterscore.connectors.errors import SourceLayoutError, SourceQueryError
from clusterscore.connectors.labels import LabelListConnector, parse_date, parse_label, parse_score
from clusterscore.connectors.output import write_jsonl_gz
from clusterscore.landing import land_file
from clusterscore.sources import SOURCES
from connectors.loopback import Reply

PAGE = "/benchmarked-clusters"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def settings(settings_for, **overrides):
    return settings_for("label_awards", path=PAGE, username_env="", password_env="", **overrides)


def test_two_pages_are_read_and_land(server, settings_for, con, quarantined, tmp_path):
    def page(request):
        name = "benchmarked_page2.html" if request.query.get("page") == "1" else "benchmarked_page1.html"
        return server.recorded(f"labels/{name}", headers=HTML, gzip=True)

    server.route("GET", PAGE, page)
    rows, details = LabelListConnector(settings(settings_for)).read()
    assert details == {"pages": 2, "rows": 5, "duplicates_dropped": 0, "benchmarked_without_label": 1}
    by_name = {row["organisation_name"]: row for row in rows}
    assert by_name["Nordlys Energy Cluster"] == {
        "organisation_name": "Nordlys Energy Cluster",
        "country": "Denmark",
        "sector": "Energy technology",
        "website": "https://nordlys-energy-cluster.example.invalid",
        "label": "GOLD",
        "awarded_on": None,
        "valid_until": "2027-01-31",
        "score_pct": None,
    }
    assert by_name["Markvang Food Innovation Cluster"]["valid_until"] == "2026-12-31"
    assert by_name["Fjordbyen Maritime Cluster"]["valid_until"] == "2027-09-30"  # "Sep 2027": the month's last day
    assert by_name["Fjordbyen Maritime Cluster"]["website"] == "https://fjordbyen-maritime.example.invalid"
    assert "Lindhøj Life Science Alliance" not in by_name  # benchmarked, no label: not an award

    dest = tmp_path / "label_list.jsonl.gz"
    write_jsonl_gz(dest, rows)
    result = land_file(con, SOURCES["label_awards"], dest, settings(settings_for).url, run_id="test")
    assert (result.received, result.landed, result.quarantined) == (5, 4, 1)
    [(key, field, reason)] = quarantined("label_awards")
    assert key == "Granly Advanced Production Cluster/PLATINUM/2027-09-30" and field == "label"
    assert reason == "'PLATINUM' is not one of ['BRONZE', 'GOLD', 'SILVER']"


def test_changed_layout_fails_naming_expected_and_found(server, settings_for):
    server.route("GET", PAGE, server.recorded("labels/changed_layout.html", headers=HTML))
    with pytest.raises(SourceLayoutError) as caught:
        LabelListConnector(settings(settings_for)).read()
    message = str(caught.value)
    assert "layout has changed" in message and "organisation_name" in message and "valid_until" in message
    assert "found: Name | E-mail" in message


def test_empty_table_fails_instead_of_loading_nothing(server, settings_for):
    server.route("GET", PAGE, server.recorded("labels/empty_table.html", headers=HTML))
    with pytest.raises(SourceLayoutError, match="refusing to load nothing"):
        LabelListConnector(settings(settings_for)).read()


def test_more_pages_than_allowed_is_an_error_not_a_partial_list(server, settings_for):
    server.route("GET", PAGE, lambda request: server.recorded("labels/benchmarked_page1.html", headers=HTML))
    with pytest.raises(SourceQueryError, match="more than max_pages=1"):
        LabelListConnector(settings(settings_for, max_pages=1)).read()


def test_server_error_page_is_transient_and_retried(server, settings_for):
    server.route(
        "GET",
        PAGE,
        Reply(503, b"<html><h1>Service Unavailable</h1></html>", HTML),
        server.recorded("labels/benchmarked_page2.html", headers=HTML),
    )
    rows, details = LabelListConnector(settings(settings_for)).read()
    assert details["pages"] == 1 and len(rows) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31", "2026-12-31"),
        ("31.12.2026", "2026-12-31"),
        ("1/2/2027", "2027-02-01"),
        ("31 December 2026", "2026-12-31"),
        ("December 31, 2026", "2026-12-31"),
        ("Feb 2028", "2028-02-29"),
        ("12/2026", "2026-12-31"),
        ("", None),
        ("31.02.2026", "31.02.2026"),  # no such day: kept, so the landing rule says so
        ("soon", "soon"),
    ],
)
def test_dates_are_read_in_listed_forms_only(text, expected):
    assert parse_date(text) == expected


def test_labels_and_scores_are_not_guessed():
    assert parse_label("Cluster Management Excellence Label GOLD") == "GOLD"
    assert parse_label("Gold (previously Silver)") == "GOLD (PREVIOUSLY SILVER)"  # two levels: kept as written
    assert parse_label("") is None
    assert parse_score("86 %") == 86.0 and parse_score("86,5%") == 86.5 and parse_score("high") == "high"
