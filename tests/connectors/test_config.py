"""The sources config: one file, environment overrides, errors that name where, and the confirmed CVR mapping."""

import pytest

from clusterscore.config import ConfigError, SourceSettings, all_source_settings, env_name, source_settings
from clusterscore.connectors import fetch
from clusterscore.connectors.cvr_mapping import confirm, load_mapping
from clusterscore.connectors.designations import read_designations
from clusterscore.connectors.errors import SourceConfigError
from clusterscore.sources import SOURCES


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith(("CLUSTERSCORE_SOURCE", "CLUSTERSCORE_CONFIG", "CLUSTERSCORE_CVR_MAPPING")):
            monkeypatch.delenv(name)


def test_repository_config_is_sample_mode_with_a_staleness_per_source():
    settings = all_source_settings()
    assert set(settings) == set(SOURCES)
    assert {name: s.mode for name, s in settings.items()} == dict.fromkeys(SOURCES, "sample")
    assert settings["cvr_companies"].stale_after_hours == 26  # CVR is read every night
    assert {s.stale_after_hours for name, s in settings.items() if name != "cvr_companies"} == {336}
    cvr = settings["cvr_companies"]
    assert cvr.url == "http://distribution.virk.dk/cvr-permanent/virksomhed/_search"
    assert (cvr.username_env, cvr.password_env) == ("CVR_USERNAME", "CVR_PASSWORD")
    assert settings["label_awards"].requests_per_second == 0.5  # the source's own block beats the defaults
    assert settings["annual_reports"].requests_per_second == 2.0  # from the defaults block


def test_environment_overrides_per_source_then_for_all(monkeypatch):
    monkeypatch.setenv("CLUSTERSCORE_SOURCES_MODE", "live")
    monkeypatch.setenv("CLUSTERSCORE_SOURCE_LABEL_AWARDS_MODE", "sample")
    monkeypatch.setenv(env_name("cvr_companies", "batch_size"), "250")
    assert env_name("cvr_companies", "batch_size") == "CLUSTERSCORE_SOURCE_CVR_COMPANIES_BATCH_SIZE"
    assert source_settings("cvr_companies").mode == "live"
    assert source_settings("cvr_companies").batch_size == 250
    assert source_settings("label_awards").mode == "sample"


def test_bad_values_name_the_variable_or_file(monkeypatch, tmp_path):
    monkeypatch.setenv("CLUSTERSCORE_SOURCE_CVR_COMPANIES_BATCH_SIZE", "lots")
    with pytest.raises(ConfigError, match="CLUSTERSCORE_SOURCE_CVR_COMPANIES_BATCH_SIZE: batch_size must be int"):
        source_settings("cvr_companies")
    monkeypatch.delenv("CLUSTERSCORE_SOURCE_CVR_COMPANIES_BATCH_SIZE")
    monkeypatch.setenv("CLUSTERSCORE_SOURCE_CVR_COMPANIES_MODE", "production")
    with pytest.raises(ConfigError, match="mode must be one of"):
        source_settings("cvr_companies")
    monkeypatch.delenv("CLUSTERSCORE_SOURCE_CVR_COMPANIES_MODE")

    other = tmp_path / "sources.yaml"
    other.write_text("sources:\n  cvr_companies:\n    scrol_size: 10\n")
    monkeypatch.setenv("CLUSTERSCORE_CONFIG", str(other))
    with pytest.raises(ConfigError, match=r"sources.cvr_companies: unknown setting\(s\) \['scrol_size'\]"):
        source_settings("cvr_companies")
    other.write_text("sources:\n  cvr_company:\n    mode: live\n")
    with pytest.raises(ConfigError, match="unknown source"):
        source_settings("cvr_companies")
    other.write_text("defaults:\n  mode: live\nsources:\n  label_awards:\n    url: http://127.0.0.1:9/list\n")
    assert source_settings("label_awards") == SourceSettings(
        name="label_awards", mode="live", url="http://127.0.0.1:9/list"
    )
    monkeypatch.setenv("CLUSTERSCORE_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="does not exist"):
        source_settings("cvr_companies")


def test_sample_mode_fetch_points_at_the_sample():
    result = fetch("label_awards")
    assert result.source_uri == "file:sample/labels/label_list.jsonl.gz"
    assert (result.records_written, result.load_kind) == (None, "full")


def test_confirmed_mapping_round_trip_and_live_designations(monkeypatch, tmp_path):
    mapping = tmp_path / "cvr_mapping.yaml"
    mapping.write_text("# kept comment\norganisations: []\n")
    monkeypatch.setenv("CLUSTERSCORE_CVR_MAPPING_FILE", str(mapping))
    with pytest.raises(SourceConfigError, match="no designated organisation has a confirmed CVR number"):
        read_designations()
    with pytest.raises(ConfigError, match="modulus-11"):
        confirm("Energy Cluster Denmark", 12345678, "Test Person")
    confirm("Energy Cluster Denmark", 12345674, "Test Person", note="synthetic number for the test")
    assert mapping.read_text().startswith("# kept comment\n")
    [entry] = load_mapping()
    assert (entry.organisation_name, entry.cvr, entry.confirmed_by) == (
        "Energy Cluster Denmark",
        12345674,
        "Test Person",
    )
    with pytest.raises(ConfigError, match="already confirmed"):
        confirm("energy cluster denmark", 12345674, "Someone Else")

    records, details = read_designations()
    assert records == [
        {
            "cvr": 12345674,
            "organisation_name": "Energy Cluster Denmark",
            "business_area_code": "energy",
            "programme": "innovationskraft-2021-2024",
            "designated_from": "2021-01-01",
            "designated_to": "2024-12-31",
            "source_url": "https://www.energycluster.dk/en/energy-cluster-denmark-is-gilded-in-the-eu/",
            "cvr_confirmed_by": "Test Person",
            "cvr_confirmed_on": entry.confirmed_on,
        }
    ]
    assert "CLEAN" in details["unresolved_cvr"]


def test_live_mode_without_what_it_needs_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("CLUSTERSCORE_SOURCES_MODE", "live")
    monkeypatch.setenv("CLUSTERSCORE_SOURCE_CLUSTER_SUBMISSIONS_FOLDER", str(tmp_path / "nowhere"))
    with pytest.raises(SourceConfigError, match="submissions folder does not exist"):
        fetch("cluster_submissions", dest_path=tmp_path / "out.jsonl.gz")
    with pytest.raises(SourceConfigError, match="pass the CVR numbers"):
        fetch("cvr_companies", dest_path=tmp_path / "out.jsonl.gz")
    assert not (tmp_path / "out.jsonl.gz").exists()
