"""Run history: two real refreshes with the sample changed between them; the first run's scorecard stays
answerable (audit, audit store, reproduction) after the second changed the data; OpenLineage events validate."""

from __future__ import annotations

import dataclasses
import gzip
import json
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import own_sample_home, use_home
from jsonschema import Draft202012Validator, FormatChecker

from clusterscore.audit import audit
from clusterscore.audit_store import RunRecord, recorded_runs
from clusterscore.publish import (
    DATABASE_FILE,
    DERIVED_AT_MOST,
    _copied_ahead,
    copying_release_ahead,
    current_release,
    may_derive_from,
    start_from,
    verify_published,
    write_release_database,
)
from clusterscore.reproduce import reproduce
from clusterscore.warehouse import table_type

pytestmark = pytest.mark.slow
CLI = str(Path(sys.executable).parent / "clusterscore")
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "openlineage-run-event.schema.json").read_text())
NORDLYS = "34173842"


def rewrite_jsonl(path: Path, change) -> None:
    """Apply `change` to every record of a gzip JSON-lines file (returning None drops the record)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    kept = [r for r in (change(record) for record in records) if r is not None]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in kept)


@pytest.fixture(scope="module")
def lineage_endpoint():
    """A real OpenLineage consumer stand-in on loopback: it keeps what is POSTed to /api/v1/lineage."""
    received: list[dict] = []

    class Consumer(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(
                {"path": self.path, "event": json.loads(self.rfile.read(int(self.headers["Content-Length"])))}
            )
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Consumer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()


def fewer_members(record):
    if str(record.get("organisation_cvr")) == NORDLYS and record.get("members"):
        record["members"] = record["members"][:12]
    return record


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, lineage_endpoint):
    """Run 1 on the sample; then Nordlys reports fewer members and the label list loses an award; run 2, with an
    OpenLineage endpoint configured."""
    from clusterscore.refresh import run_refresh

    with own_sample_home(tmp_path_factory.mktemp("history")) as (paths, sample, first):
        with duckdb.connect(str(paths.candidate), read_only=True) as con:
            first.evidence = con.execute(f"{EVIDENCE_OF_RUN} order by all", [first.run_id]).fetchall()
        rewrite_jsonl(sample / "clusters" / "submissions.jsonl.gz", fewer_members)
        rewrite_jsonl(sample / "labels" / "label_list.jsonl.gz", lambda r: None if r.get("label") == "BRONZE" else r)
        url, received = lineage_endpoint
        patch = pytest.MonkeyPatch()
        patch.setenv("CLUSTERSCORE_OPENLINEAGE_URL", url)
        try:
            second = run_refresh(paths)
        finally:
            patch.undo()
        assert second.success, second.render()
        yield paths, first, second, received


EVIDENCE_OF_RUN = (
    "select indicator_evidence_id, cluster_org_id, indicator_id, source_name, record_key, record_hash, batch_id "
    "from marts.fct_indicator_evidence where run_id = ?"
)


def test_a_runs_evidence_links_stay_as_the_run_made_them(two_runs):
    """Links are kept once per range of runs (clusterscore/evidence_links.py): after a second run that changed
    some of them, the first run still has exactly the links it had, in the warehouse and in the release."""
    paths, first, second, _ = two_runs
    for database in (paths.candidate, paths.published_db):
        with duckdb.connect(str(database), read_only=True) as con:
            assert con.execute(f"{EVIDENCE_OF_RUN} order by all", [first.run_id]).fetchall() == first.evidence
            now = con.execute(f"select * exclude (indicator_evidence_id) from ({EVIDENCE_OF_RUN})", [second.run_id])
            assert len(now.fetchall()) > 1000
            (open_links,) = con.execute(
                "select count(*) from marts.fct_evidence_link where last_run_seq is null"
            ).fetchone()
            (second_run,) = con.execute(
                "select count(*) from marts.fct_indicator_evidence where run_id = ?", [second.run_id]
            ).fetchone()
            assert open_links == second_run  # the latest run's links are the open ones
    assert len(first.evidence) > 1000
    # The release holds the run's links as a view of the open ones (publish.PUBLISHED_AS_VIEWS): the rows and columns
    # of the candidate's view (of its staging tables, which a release does not hold).
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        con.execute(f"attach '{paths.candidate}' as candidate (read_only)")
        assert table_type(con, "intermediate.int_indicator_evidence") == "VIEW"
        published, built = "intermediate.int_indicator_evidence", "candidate.intermediate.int_indicator_evidence"
        for a, b in ((published, built), (built, published)):
            assert con.execute(f"select count(*) from (from {a} except all from {b})").fetchone()[0] == 0
        described = (
            "select column_name, data_type, comment from duckdb_columns() where database_name = ? "
            "and schema_name = 'intermediate' and table_name = 'int_indicator_evidence' order by column_index"
        )
        release = con.execute("select current_database()").fetchone()[0]
        columns = con.execute(described, [release]).fetchall()
        assert columns == con.execute(described, ["candidate"]).fetchall()


def test_the_second_release_database_is_the_first_brought_up_to_date(two_runs, tmp_path):
    """Same code: the second release starts from a copy of the first one's database and brings its raw record
    versions up to date, which leaves exactly what a database written whole from the same warehouse holds."""
    paths, first, second, _ = two_runs
    release = current_release(paths)
    assert release.run_id == second.run_id
    assert release.database["derived_from"] == first.run_id and release.database["derivation"] == 1
    # The copy was made as the refresh began (publish.copying_release_ahead), and nothing of it is left over.
    assert release.database["copied_ahead"] is True
    assert not [p.name for p in paths.releases.iterdir() if p.name.startswith(".")]
    submissions = release.database["tables"]["raw.cluster_submissions"]
    assert submissions["added"] > 0 and submissions["updated"] > 300  # Nordlys's new lines; the old ones superseded
    # The links the second run has that the first did not, and the first run's links it no longer has, closed.
    evidence = release.database["tables"]["marts.fct_evidence_link"]
    assert evidence["added"] > 0 and evidence["updated"] > 300 and evidence["dropped"] == 0
    assert release.database["tables"]["marts.fct_evidence_run"] == {"dropped": 0, "added": 1}
    assert not any(done.get("written_whole") for done in release.database["tables"].values())
    whole = tmp_path / "whole.duckdb"
    write_release_database(paths.candidate, whole, paths.as_received_store)
    described = (
        "select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
        "where database_name = ? order by all"
    )
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        con.execute(f"attach '{whole}' as whole (read_only)")
        derived = con.execute("select current_database()").fetchone()[0]
        assert con.execute(described, [derived]).fetchall() == con.execute(described, ["whole"]).fetchall()
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ? order by all", [derived]
        ).fetchall()
        assert ("raw", "cluster_submissions") in tables
        for schema, table in tables:
            ours, theirs = f"{schema}.{table}", f"whole.{schema}.{table}"
            for a, b in ((ours, theirs), (theirs, ours)):
                extra = con.execute(f"select count(*) from (from {a} except all from {b})").fetchone()[0]
                assert extra == 0, f"{a}: {extra} rows not in {b}"


def test_a_release_database_is_written_whole_when_its_base_cannot_be_trusted(two_runs, tmp_path):
    paths, *_ = two_runs
    release = current_release(paths)
    inputs = release.inputs
    assert may_derive_from(release, inputs)
    assert not may_derive_from(release, {**inputs, "code_sha256": "other code"})
    assert not may_derive_from(dataclasses.replace(release, inputs={}), {}) and not may_derive_from(release, None)
    assert not may_derive_from(dataclasses.replace(release, database={"derivation": DERIVED_AT_MOST}), inputs)
    tampered = dataclasses.replace(release, files={**release.files, DATABASE_FILE: "0" * 64})
    assert not start_from(tampered, tmp_path / "copy.duckdb") and not (tmp_path / "copy.duckdb").exists()
    assert start_from(release, tmp_path / "copy.duckdb")
    with duckdb.connect(str(tmp_path / "copy.duckdb"), read_only=True) as con:  # what is brought up to date
        kept = set(con.execute("select schema_name, table_name from duckdb_tables()").fetchall())
    assert ("raw", "cvr_companies") in kept and ("marts", "fct_evidence_link") in kept
    assert {schema for schema, _ in kept} == {"raw", "marts"} and ("marts", "dim_cluster_organisation") not in kept


def test_the_release_before_is_copied_ahead_for_the_same_code_and_never_left_behind(two_runs, tmp_path):
    paths, *_ = two_runs
    release = current_release(paths)
    code = release.inputs["code_sha256"]
    stale = paths.releases / ".an-earlier-run.base.duckdb"  # a refresh killed before its end left it
    stale.write_bytes(b"")
    with copying_release_ahead(paths, "other code"):  # its release could not derive from this one: no copy
        assert not stale.exists() and _copied_ahead(paths, release, tmp_path / "none.duckdb") is None
    with copying_release_ahead(paths, code), copying_release_ahead(paths, code):  # the inner block shares it
        assert _copied_ahead(paths, release, tmp_path / "ahead.duckdb") is True
    assert start_from(release, tmp_path / "now.duckdb")
    tables = "select schema_name, table_name, estimated_size from duckdb_tables() order by all"
    with (
        duckdb.connect(str(tmp_path / "ahead.duckdb"), read_only=True) as ahead,
        duckdb.connect(str(tmp_path / "now.duckdb"), read_only=True) as now,
    ):
        assert ahead.execute(tables).fetchall() == now.execute(tables).fetchall()
    with copying_release_ahead(paths, code):  # not taken: removed at the end
        pass
    assert not [p.name for p in paths.releases.iterdir() if p.name.startswith(".")]


def test_history_lists_both_runs_with_everything_the_audit_store_keeps(two_runs):
    paths, first, second, _ = two_runs
    runs = {r["run_id"]: r for r in recorded_runs(paths)}
    assert runs[first.run_id]["published"] and runs[second.run_id]["published"]
    record = RunRecord(paths, first.run_id)
    for name in (
        "run.json",
        "batches.json",
        "release.json",
        "openlineage.jsonl",
        "dbt/dbt_build/manifest.json.gz",
        "dbt/dbt_build/run_results.json.gz",
        "quality/marts_scorecard.json",
        "rulebook/rulebook_indicators.csv",
        "lineage/scorecard_columns.json",
    ):
        assert (record.folder / name).exists(), name
    results = record.read_json("dbt/dbt_build/run_results.json.gz")
    assert results["results"] and all(r["status"] in {"success", "pass"} for r in results["results"])
    assert record.read_json("quality/marts_scorecard.json")["success"] is True
    assert {b["source_name"] for b in record.read_json("batches.json")} >= {"cvr_companies", "cluster_submissions"}
    assert "clusterscore.duckdb" in record.read_json("release.json")["files"]
    result = subprocess.run([CLI, "history", "--home", str(paths.home)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and first.run_id in result.stdout and second.run_id in result.stdout


def test_each_release_records_where_publishing_its_time_went(two_runs):
    paths, first, second, _ = two_runs
    every = {
        "column lineage of the scorecard",
        "dbt docs (generated again only under new code)",
        "candidate: record the release, checkpoint",
        "worker: store of records as received",
        "database: tables but the raw versions",
        "exports: CSV, Parquet and the workbook's rows",
        "worker: exports' workbook (XLSX)",
        "site: read",
        "site: pages",
        "worker: raw record versions",
        "worker: checksum of the database",
        "checksums of the release's files",
        "prune old releases",
    }
    copy = "database: copy of the release before (checksummed)"
    for run, derived in ((first, False), (second, True)):
        phases = RunRecord(paths, run.run_id).read_json("release.json")["phases"]
        names = [p["phase"] for p in phases]
        assert len(names) == len(set(names)) and set(names) == every | ({copy} if derived else set()), run.run_id
        assert all(p["start_s"] >= 0 and p["seconds"] >= 0 for p in phases)
        starts = {p["phase"]: p["start_s"] for p in phases}
        ends = {p["phase"]: p["end_s"] for p in phases}
        # the raw versions need the store and a database no longer read for the exports, the workbook the rows
        # read, the database's checksum the raw versions (its last writes); the checksums read everything written
        assert starts["worker: checksum of the database"] >= ends["worker: raw record versions"]
        assert starts["worker: raw record versions"] >= ends["worker: store of records as received"]
        assert starts["worker: raw record versions"] >= ends["exports: CSV, Parquet and the workbook's rows"]
        assert starts["worker: exports' workbook (XLSX)"] >= ends["exports: CSV, Parquet and the workbook's rows"]
        assert starts["checksums of the release's files"] >= max(
            ends[name] for name in ends if name not in {"checksums of the release's files", "prune old releases"}
        )


def test_raw_records_are_kept_by_content(two_runs):
    paths, _, second, _ = two_runs
    with duckdb.connect(str(paths.candidate), read_only=True) as con:  # the warehouse keeps every version
        batches = dict(
            con.execute(
                "select source_name, stored_new from meta.batches where run_id = ? and status = 'landed'",
                [second.run_id],
            ).fetchall()
        )
        # CVR did not change: no new batch at all; submissions changed in one organisation's lines only.
        assert "cvr_companies" not in batches
        assert 0 < batches["cluster_submissions"] < 100
        superseded = con.execute(
            "select count(*) from raw.cluster_submissions where superseded_at is not null"
        ).fetchone()[0]
    assert superseded > 300  # Nordlys's member lines beyond the first 12 are no longer current, but still kept
    # The release keeps only what readers use: no staging, and the raw versions some kept scorecard names.
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        schemas = {s for (s,) in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
        unnamed = con.execute(
            "select count(*) from raw.cvr_companies as r where not exists (select 1 from "
            "marts.fct_indicator_evidence as e where e.source_name = 'cvr_companies' and e.batch_id = r.batch_id "
            "and e.record_key = r.record_key)"
        ).fetchone()[0]
        released = con.execute("select count(*) from raw.cvr_companies").fetchone()[0]
        comments = con.execute("select count(*) from duckdb_columns() where comment is not null").fetchone()[0]
    assert "staging" not in schemas and {"raw", "marts", "meta", "rulebook", "intermediate"} <= schemas
    assert unnamed == 0 and 0 < released < 2359 and comments > 50


def test_the_old_number_is_audited_after_the_data_changed(two_runs):
    paths, first, second, _ = two_runs
    old = audit(paths.published_db, NORDLYS, "gate_committed_members", run=first.run_id)
    new = audit(paths.published_db, NORDLYS, "gate_committed_members", run=second.run_id)
    assert old["indicator"]["indicator_value"] == 385 and new["indicator"]["indicator_value"] <= 12
    assert len(old["raw_records"]) >= 385 and all(r["status"] == "unchanged" for r in old["raw_records"])
    assert old["run_id"] == first.run_id and old["source_batch_ids"] != new["source_batch_ids"]


def test_an_old_run_is_reproduced_from_the_audit_store(two_runs):
    paths, first, second, _ = two_runs
    result = reproduce(paths, first.run_id)
    assert result.identical, result.render()
    assert result.rows["scorecard"] == 10 and result.rows["fct_indicator_value"] == 300
    # and the CLI says so too, for the newer run
    done = subprocess.run(
        [CLI, "reproduce", second.run_id, "--home", str(paths.home)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Reproduced exactly." in done.stdout


def test_a_reproduction_that_differs_is_reported(two_runs, tmp_path):
    """The comparison can fail: with the published scorecard of the old run altered, it must differ."""
    paths, first, _, _ = two_runs
    home = tmp_path / "home"
    shutil.copytree(paths.home, home, symlinks=True, ignore=shutil.ignore_patterns("dagster"))
    altered = use_home(home)
    with duckdb.connect(str(altered.published_db)) as con:
        con.execute("update marts.scorecard set total_score_pct = 1.0 where run_id = ?", [first.run_id])
    result = reproduce(altered, first.run_id)
    assert not result.identical and len(result.differences["scorecard"]) == 20
    assert verify_published(altered) == ["clusterscore.duckdb"]  # and the release checksums catch it
    use_home(paths.home)


def test_openlineage_events_validate_and_reach_the_endpoint(two_runs):
    paths, first, second, received = two_runs
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    facet_schema = {name: {**SCHEMA["$defs"][name], "$defs": SCHEMA["$defs"]} for name in SCHEMA["$defs"]}
    for run in (first, second):
        lines = (RunRecord(paths, run.run_id).folder / "openlineage.jsonl").read_text().splitlines()
        events = [json.loads(line) for line in lines]
        for event in events:
            errors = sorted(validator.iter_errors(event), key=str)
            assert not errors, [e.message for e in errors]
        parent = [e for e in events if e["job"]["name"] == "refresh"]
        assert [e["eventType"] for e in parent] == ["START", "COMPLETE"]
        jobs = {e["job"]["name"] for e in events}
        assert {"raw.cvr_companies", "staging.stg_cvr__companies", "marts.scorecard", "published.release"} <= jobs
        scorecard = next(e for e in events if e["job"]["name"] == "marts.scorecard" and e["eventType"] == "COMPLETE")
        assert scorecard["run"]["facets"]["parent"]["run"]["runId"] == run.run_id
        Draft202012Validator(facet_schema["parentRunFacet"]).validate(scorecard["run"]["facets"]["parent"])
        facets = scorecard["outputs"][0]["facets"]
        Draft202012Validator(facet_schema["schemaFacet"]).validate(facets["schema"])
        Draft202012Validator(facet_schema["columnLineageFacet"]).validate(facets["columnLineage"])
        lineage = facets["columnLineage"]["fields"]["total_score_pct"]["inputFields"]
        assert {"name": "intermediate.int_scorecard_levels", "field": "total_score_pct"}.items() <= lineage[0].items()
        assert {a["assertion"] for a in facets["dataQualityAssertions"]["assertions"]} >= {"gx_marts_scorecard"}
        raw = next(e for e in events if e["job"]["name"] == "raw.cvr_companies")
        assert any(i["namespace"] == "file" for i in raw["inputs"])  # the public source the asset read
    # The second run had an endpoint configured: it received exactly the events written to the file.
    second_lines = (RunRecord(paths, second.run_id).folder / "openlineage.jsonl").read_text().splitlines()
    assert [r["event"] for r in received] == [json.loads(line) for line in second_lines]
    assert {r["path"] for r in received} == {"/api/v1/lineage"}


def test_the_second_run_carries_the_same_column_lineage_from_the_lineage_cache(two_runs):
    """The scoring models' SQL and columns did not change between the runs, so the second run's column lineage
    comes from the home's lineage cache (pipelines/dbt_metadata.py: LineageCache), and is the first run's."""
    paths, first, second, _ = two_runs
    instance = dg.DagsterInstance.from_config(str(paths.dagster_home))

    def scored(run_id: str) -> dict:
        """The scoring step's materialisations (rulebook seeds, intermediate and mart models): their lineage."""
        records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
        found = {}
        for record in records:
            materialization = record.event_log_entry.dagster_event.event_specific_data.materialization
            if materialization.asset_key.path[0] in ("rulebook", "intermediate", "marts"):
                found[materialization.asset_key] = materialization.metadata.get("dagster/column_lineage")
        return found

    before, after = scored(first.run_id), scored(second.run_id)
    # The links' first build has no earlier links to close: another SQL, another lineage (of the same columns).
    links = dg.AssetKey(["marts", "fct_evidence_link"])
    assert set(after[links].lineage.deps_by_column) == set(before.pop(links).lineage.deps_by_column)
    after.pop(links)
    assert before[dg.AssetKey(["marts", "scorecard"])] is not None and after == before
    cache = json.loads((paths.dbt_target / "column-lineage.json").read_text())
    # One entry per node of the last scoring step: the cache does not grow.
    assert len(cache["lineage"]) == len(cache["columns"]) == len(after) + 1
