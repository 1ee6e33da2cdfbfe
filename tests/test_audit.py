"""Auditing a published number down to its raw records, after a real refresh of the sample."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from clusterscore.audit import AuditError, audit

pytestmark = pytest.mark.slow
CLI = str(Path(sys.executable).parent / "clusterscore")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "audit", *args], capture_output=True, text=True, timeout=120)


def test_a_number_is_traced_to_its_rule_and_raw_records(refreshed):
    paths, _ = refreshed
    report = audit(paths.published_db, "Nordlys Energy Cluster", "gate_committed_members")
    assert report["indicator"]["indicator_value"] == 385
    assert report["rule"]["gold_threshold"] == 15 and report["rule"]["basis_url"].startswith("https://")
    assert report["intermediate"]["row"]["value"] == 385
    members = [r for r in report["raw_records"] if r["record_key"].startswith(report["organisation"]["cluster_org_id"])]
    assert len(members) == 385  # one submission line per committed member
    assert all(r["status"] == "unchanged" and r["source_uri"].startswith("file:sample/") for r in report["raw_records"])
    assert report["source_batch_ids"] and report["dbt_invocation_id"]


def test_json_output_and_the_whole_scorecard(refreshed):
    paths, _ = refreshed
    result = cli("34173842", "--json", "--home", str(paths.home))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["indicators"]) == 30 and report["scorecard"]["readiness_level"] == "Gold"


def test_a_payload_altered_in_the_database_is_reported_as_tampered(refreshed, tmp_path):
    paths, _ = refreshed
    copy = tmp_path / "home"
    (copy / "published").mkdir(parents=True)
    database = copy / "published" / "clusterscore.duckdb"
    shutil.copy(paths.published_db, database)
    with duckdb.connect(str(database)) as con:
        con.execute(
            """
            update raw.cluster_submissions
            set payload = regexp_replace(payload::varchar, '"management_fte":[0-9.]+', '"management_fte":99')::json
            where record_key = '34173842/2025'
            """
        )
    report = audit(database, "34173842", "gate_management_fte")
    assert [r["status"] for r in report["raw_records"]] == ["TAMPERED"]
    result = cli("34173842", "gate_management_fte", "--home", str(copy))
    assert result.returncode == 3 and "TAMPERED" in result.stdout and "DO NOT MATCH" in result.stdout


@pytest.mark.parametrize(
    ("args", "listed"),
    [
        (("Nowhere Cluster",), "scored organisations: "),
        (("34173842", "no_such_indicator"), "indicators: achievements_firms_engaged"),
        (("34173842", "--run", "no-such-run"), "runs kept (newest first): "),
    ],
)
def test_a_wrong_organisation_indicator_or_run_lists_what_exists(refreshed, args, listed):
    paths, _ = refreshed
    result = cli(*args, "--home", str(paths.home))
    assert result.returncode == 2 and listed in result.stderr
    with pytest.raises(AuditError):
        audit(
            paths.published_db,
            *([a for a in args if not a.startswith("--") and a != "no-such-run"][:2]),
            run="no-such-run",
        )
