"""The `fetch` dispatcher in live mode (settings from the environment, as the Dagster asset uses it), the CVR scope
read from landed raw tables, and the source commands: template, submissions-check, cvr-search, cvr-confirm."""

import gzip
import json
import shutil

import pytest
from typer.testing import CliRunner

import clusterscore.cli_sources  # noqa: F401 - registers the commands on the app
from clusterscore.cli import app
from clusterscore.connectors import fetch
from clusterscore.connectors.scope import cvr_numbers_in_scope
from clusterscore.landing import land_file
from clusterscore.settings import SAMPLE_DIR
from clusterscore.sources import SOURCES
from connectors.loopback import RECORDED, Reply


def first_line(path) -> dict:
    with gzip.open(path) as handle:
        return json.loads(handle.readline())


@pytest.fixture
def live(monkeypatch, server, tmp_path):
    """Every source live, pointed at the loopback server through environment variables only."""
    monkeypatch.setenv("CLUSTERSCORE_SOURCES_MODE", "live")
    monkeypatch.setenv("CLUSTERSCORE_SOURCES_RETRIES", "1")
    monkeypatch.setenv("CLUSTERSCORE_SOURCES_BACKOFF_SECONDS", "0.01")
    monkeypatch.setenv("CLUSTERSCORE_SOURCES_REQUESTS_PER_SECOND", "0")
    monkeypatch.setenv("CLUSTERSCORE_SOURCE_CVR_COMPANIES_URL", server.base + "/cvr-permanent/virksomhed/_search")
    monkeypatch.setenv("CLUSTERSCORE_SOURCE_CVR_COMPANIES_SCROLL_URL", server.base + "/_search/scroll")
    monkeypatch.setenv("CLUSTERSCORE_SOURCE_LABEL_AWARDS_URL", server.base + "/benchmarked-clusters")
    monkeypatch.setenv("CLUSTERSCORE_SOURCE_CLUSTER_SUBMISSIONS_FOLDER", str(tmp_path / "submissions"))
    monkeypatch.setenv("CVR_USERNAME", "loopback-user")
    monkeypatch.setenv("CVR_PASSWORD", "loopback-password")
    monkeypatch.setenv("CLUSTERSCORE_CVR_MAPPING_FILE", str(tmp_path / "cvr_mapping.yaml"))
    return server


def test_fetch_cvr_live_writes_the_sample_layout_and_lands(live, con, tmp_path):
    live.route("POST", "/cvr-permanent/virksomhed/_search", live.recorded("cvr/es6_terms_batch1.json"))
    result = fetch("cvr_companies", dest_path=tmp_path / "out" / "virksomhed.jsonl.gz", cvr_numbers=[92399796])
    assert result.source_uri == live.base + "/cvr-permanent/virksomhed/_search"
    assert (result.records_written, result.load_kind) == (3, "full")
    assert set(first_line(result.path)) == set(first_line(SAMPLE_DIR / "cvr" / "virksomhed.jsonl.gz")) - {"synthetic"}
    assert live.seen()[0].headers["authorization"].startswith("Basic ")
    landed = land_file(con, SOURCES["cvr_companies"], result.path, result.source_uri, "test")
    assert (landed.landed, landed.quarantined) == (3, 0)


def test_fetch_labels_and_submissions_live(live, tmp_path):
    live.route("GET", "/benchmarked-clusters", live.recorded("labels/benchmarked_page2.html"))
    labels = fetch("label_awards", dest_path=tmp_path / "labels.jsonl.gz")
    assert labels.records_written == 2 and labels.details["pages"] == 1
    shutil.copytree(RECORDED / "submissions", tmp_path / "submissions")
    submissions = fetch("cluster_submissions", dest_path=tmp_path / "submissions.jsonl.gz")
    assert submissions.records_written == 3 and len(submissions.details["files"]) == 3


def test_failed_fetch_leaves_no_file(live, tmp_path):
    live.route("GET", "/benchmarked-clusters", Reply(500, b"down"))
    dest = tmp_path / "labels.jsonl.gz"
    with pytest.raises(Exception, match="HTTP 500"):
        fetch("label_awards", dest_path=dest)
    assert not dest.exists() and not list(tmp_path.glob("*.part"))


def test_cvr_scope_comes_from_landed_records(con):
    for name in ("cluster_designations", "cluster_submissions"):
        spec = SOURCES[name]
        land_file(con, spec, SAMPLE_DIR / spec.sample_file, f"file:sample/{spec.sample_file}", "test")
    numbers = cvr_numbers_in_scope(con, include_mapping=False)
    assert 34173842 in numbers  # an organisation
    assert 76314322 in numbers  # a board affiliation of its submission
    assert all(len(str(n)) == 8 for n in numbers) and 5333421 not in numbers  # malformed numbers are not asked for


def test_cli_template_and_submissions_check(tmp_path):
    runner = CliRunner()
    out = tmp_path / "submissions" / "nordlys-2026.xlsx"
    result = runner.invoke(app, ["template", str(out)])
    assert result.exit_code == 0 and out.exists()
    shutil.copy(RECORDED / "submissions" / "kystby-2026.csv", out.parent)
    result = runner.invoke(app, ["submissions-check", str(out.parent)])
    assert result.exit_code == 1
    assert "submissions/kystby-2026.csv, section board, line 18, column B (role)" in result.output
    assert "would be held back" in result.output


def test_cli_cvr_search_and_confirm(live, tmp_path):
    live.route("POST", "/cvr-permanent/virksomhed/_search", live.recorded("cvr/es6_name_search.json"))
    runner = CliRunner()
    result = runner.invoke(app, ["cvr-search", "Nordlys Energy"])
    assert result.exit_code == 0, result.output
    assert "34173842  Nordlys Energy Cluster" in result.output and "clusterscore cvr-confirm" in result.output
    result = runner.invoke(app, ["cvr-confirm", "Nordlys Energy Cluster", "34173842", "--by", "Test Person"])
    assert result.exit_code == 0, result.output
    assert "organisation_name: Nordlys Energy Cluster" in (tmp_path / "cvr_mapping.yaml").read_text()


def test_cli_cvr_search_reports_auth_failure_without_the_password(live):
    live.route("POST", "/cvr-permanent/virksomhed/_search", Reply(401, b"Authorization Required"))
    result = CliRunner().invoke(app, ["cvr-search", "Nordlys"])
    assert result.exit_code == 2
    assert "CVR_USERNAME / CVR_PASSWORD" in result.output and "loopback-password" not in result.output
