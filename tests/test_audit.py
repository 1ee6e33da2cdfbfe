"""Auditing a published number down to its raw records, after a real refresh of the sample."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import PARTICIPANT_NAMES_SQL

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


def test_no_personal_name_reaches_the_release(refreshed):
    """The warehouse keeps participants' names as the registry sent them; nothing published holds one: not the
    release database (raw payloads and quarantined lines included), the site, nor the exports."""
    paths, _ = refreshed
    with duckdb.connect() as con:
        con.execute(f"attach '{paths.candidate}' as warehouse (read_only)")
        con.execute(f"attach '{paths.published_db}' as release (read_only)")
        con.execute(f"create temp table names as {PARTICIPANT_NAMES_SQL.replace('raw.', 'warehouse.raw.')}")
        names = [n for (n,) in con.execute("select name from names").fetchall()]
        assert len(names) > 50
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where database_name = 'release' "
            "and data_type in ('VARCHAR', 'JSON')"
        ).fetchall()
        assert ("raw", "cvr_companies", "payload") in columns and ("meta", "quarantine", "raw_text") in columns
        for schema, table, column in columns:
            (found,) = con.execute(
                f'select count(*) from release.{schema}.{table} as t, names where contains(t."{column}"::varchar, name)'
            ).fetchone()
            assert found == 0, (schema, table, column)
        (removed,) = con.execute(
            "select count(*) from release.raw.cvr_companies where personal_names_removed"
        ).fetchone()
    assert removed > 0
    texts = [p for p in paths.published.resolve().rglob("*") if p.suffix in {".html", ".csv", ".json", ".js", ".txt"}]
    assert any(p.suffix == ".csv" for p in texts) and any(p.suffix == ".html" for p in texts)
    for path in texts:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not [name for name in names if name in text], path


def test_a_record_published_without_names_is_rehashed_as_received(refreshed, tmp_path):
    """The board size rests on the organisation's own CVR document, published without its board members' names:
    the audit re-hashes the record as received (kept beside the audit records, not published), and checks the
    published copy against it."""
    paths, _ = refreshed
    report = audit(paths.published_db, "34173842", "governance_board_size", as_received=paths.as_received_store)
    (record,) = report["raw_records"]
    assert record["source_name"] == "cvr_companies" and record["rehashed_from"] == "store of records as received"
    assert record["status"] == "unchanged" and report["all_raw_records_unchanged"]
    assert not paths.as_received_store.resolve().is_relative_to(paths.published.resolve())

    # without the records as received: said so, exit 4, not a false "tampered"
    alone = tmp_path / "alone"
    (alone / "published").mkdir(parents=True)
    shutil.copy(paths.published_db, alone / "published" / "clusterscore.duckdb")
    result = cli("34173842", "governance_board_size", "--home", str(alone))
    assert result.returncode == 4, result.stdout + result.stderr
    assert "not re-hashed" in result.stdout and "records as received are not here" in result.stdout

    # an altered record as received, and an altered published copy, are both caught
    for altered, original in (("as_received", paths.as_received_store), ("release", paths.published_db)):
        database = tmp_path / f"{altered}.duckdb"
        shutil.copy(original, database)
        with duckdb.connect(str(database)) as con:
            (changed,) = con.execute(
                "update raw.cvr_companies set payload = replace(payload::varchar, '\"FORMAND\"', '\"DIREKTØR\"')::json "
                "where record_key = '34173842'"
            ).fetchone()
            assert changed >= 1
        copies = {"as_received": paths.as_received_store, "release": paths.published_db, altered: database}
        report = audit(copies["release"], "34173842", "governance_board_size", as_received=copies["as_received"])
        assert [r["status"] for r in report["raw_records"]] == ["TAMPERED"], altered
