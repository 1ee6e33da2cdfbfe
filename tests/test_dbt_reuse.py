"""dbt nodes whose inputs and code are those of the current release are not built or tested again
(clusterscore/dbt_reuse.py): which ones, and that a night that reuses them scores exactly what a night that builds
everything scores."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest
from conftest import change_the_register, own_sample_home

from clusterscore.audit_store import RunRecord
from clusterscore.dbt_reuse import batches_tested_through, reusable_nodes
from pipelines.project import dbt_project

RELEASE = {
    "batches": {
        "annual_reports": "a-1",
        "cluster_designations": "d-1",
        "cluster_submissions": "s-1",
        "cvr_companies": "c-1",
        "label_awards": "l-1",
    },
    "stale_sources": [],
    "as_of_date": "2026-11-30",
    "code_sha256": "code-1",
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))


def names(ids: set[str], kind: str) -> set[str]:
    return {uid.split(".")[2] for uid in ids if uid.startswith(kind + ".")}


def night(**changes) -> dict:
    return {**RELEASE, **changes, "batches": {**RELEASE["batches"], **changes.get("batches", {})}}


def test_a_night_with_new_cvr_documents_builds_what_reads_them(manifest):
    reused = reusable_nodes(manifest, night(batches={"cvr_companies": "c-2"}), RELEASE, built_by="code-1")
    models = names(reused, "model")
    assert "stg_clusters__members" in models and "stg_labels__awards" in models
    assert not {"base_cvr__company_documents", "stg_cvr__companies", "stg_cvr__participant_roles"} & models
    assert "stg_meta__source_freshness" not in models  # fetch times: new every run
    assert not [m for m in models if not m.startswith("stg_")]  # every scoring model reads CVR or the run
    assert names(reused, "seed") == {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "seed"}
    tests = names(reused, "test")
    assert "primary_key_stg_clusters__members_submission_member_id" in tests
    assert not [t for t in tests if "stg_cvr" in t or "base_cvr" in t or "fct_" in t or "scorecard" in t]
    # every reused test tests only reused nodes
    for uid in reused:
        parents = [p for p in manifest["nodes"][uid]["depends_on"].get("nodes", []) if not p.startswith("source.")]
        assert set(parents) <= reused, uid


def test_nothing_is_reused_for_other_code_another_build_or_without_a_release(manifest):
    changed = night(batches={"cvr_companies": "c-2"})
    assert reusable_nodes(manifest, changed, RELEASE, built_by="code-1")
    assert not reusable_nodes(manifest, {**changed, "code_sha256": "code-2"}, RELEASE, built_by="code-2")
    assert not reusable_nodes(manifest, changed, RELEASE, built_by="code-0")  # other code built here last
    assert not reusable_nodes(manifest, changed, RELEASE, built_by=None)
    assert not reusable_nodes(manifest, changed, None, built_by="code-1")
    missing = night(batches={"label_awards": None, "cvr_companies": "c-2"})
    assert "stg_labels__awards" not in names(reusable_nodes(manifest, missing, RELEASE, "code-1"), "model")


def test_tests_pass_through_the_release_batches_only_for_the_same_code():
    changed = night(batches={"cvr_companies": "c-2"})
    assert batches_tested_through(changed, RELEASE, built_by="code-1") == ["a-1", "c-1", "d-1", "l-1", "s-1"]
    assert batches_tested_through({**changed, "code_sha256": "code-2"}, RELEASE, built_by="code-2") == []
    assert batches_tested_through(changed, RELEASE, built_by="code-0") == []  # other code built here last
    assert batches_tested_through(changed, None, built_by="code-1") == []
    missing = {**RELEASE, "batches": {**RELEASE["batches"], "label_awards": None}}
    assert "l-1" not in batches_tested_through(changed, missing, built_by="code-1")


def test_a_new_as_of_date_rebuilds_what_reads_it(manifest):
    same_day = reusable_nodes(manifest, night(), RELEASE, built_by="code-1")  # the same inputs scored again
    next_day = reusable_nodes(manifest, night(as_of_date="2026-12-01"), RELEASE, built_by="code-1")
    readers = {
        uid
        for uid, node in manifest["nodes"].items()
        if "macro.clusterscore.as_of_date" in node.get("depends_on", {}).get("macros", [])
    }
    assert "model.clusterscore.int_labels_matched" in readers & same_day
    assert not readers & next_day and next_day < same_day
    assert "model.clusterscore.stg_cvr__companies" in next_day  # staging reads no as-of date
    assert "model.clusterscore.scorecard" not in same_day  # a mart kept per run is the run's own


@pytest.mark.slow
def test_a_night_that_reuses_scores_what_a_night_that_builds_everything_scores(tmp_path, monkeypatch):
    from clusterscore.refresh import run_refresh

    with own_sample_home(tmp_path / "night") as (paths, sample, first):
        change_the_register(sample / "cvr" / "virksomhed.jsonl.gz")
        monkeypatch.delenv("CLUSTERSCORE_ALWAYS_RESCORE")  # set for every test (tests/conftest.py)
        second = run_refresh(paths)
        assert second.success, second.render()

        record = RunRecord(paths, second.run_id)
        reused = record.read_json("dbt/dbt_build/reused.json")
        assert reused["release"] == first.run_id
        reused_ids = set(reused["unique_ids"])
        assert len(reused_ids) > 50
        built = {r["unique_id"] for r in record.read_json("dbt/dbt_build/run_results.json.gz")["results"]}
        assert built and not built & reused_ids  # left out of dbt's build
        assert "model.clusterscore.stg_cvr__companies" in built
        assert "model.clusterscore.stg_clusters__members" in reused_ids

        # Dagster has each as materialised (unchanged) and each test's check as passed, naming the release.
        instance = dg.DagsterInstance.from_config(str(paths.dagster_home))
        members = instance.get_latest_materialization_event(dg.AssetKey(["staging", "stg_clusters__members"]))
        assert members.run_id == second.run_id
        metadata = members.asset_materialization.metadata
        assert metadata["clusterscore/unchanged_since_release"].value == first.run_id
        assert metadata["clusterscore/rebuilt"].value is False
        passed_again = [c for c in second.checks if "not run again" in c.description]
        assert len(passed_again) == len(names(reused_ids, "test")) and all(c.passed for c in passed_again)

        # The same inputs scored with everything built: the same scorecards.
        monkeypatch.setenv("CLUSTERSCORE_ALWAYS_RESCORE", "1")
        third = run_refresh(paths)
        assert third.success, third.render()
        assert not RunRecord(paths, third.run_id).read_json("dbt/dbt_build/reused.json")["unique_ids"]
        per_run = {  # what is the run's own: its ids, when, and the run before it
            "scorecard": "run_id, scorecard_id, dbt_invocation_id, computed_at, previous_run_id, "
            "previous_total_score_pct, previous_readiness_level",
            "fct_indicator_value": "run_id, indicator_value_id, computed_at",
            "fct_indicator_evidence": "run_id, indicator_evidence_id, computed_at",
        }
        with duckdb.connect(str(paths.candidate), read_only=True) as con:
            for table, own in per_run.items():
                rows = f"select * exclude ({own}) from marts.{table} where run_id = ?"
                for a, b in ((second.run_id, third.run_id), (third.run_id, second.run_id)):
                    (extra,) = con.execute(f"select count(*) from ({rows} except all {rows})", [a, b]).fetchone()
                    assert extra == 0, f"{table}: {extra} rows of run {a} not in run {b}"


@pytest.mark.slow
def test_after_a_build_by_other_code_nothing_is_reused(tmp_path, monkeypatch):
    """Another version of the code may have built here since the release (a run that failed, say): its views and
    tables are not the release's, so the next night builds everything again."""
    from clusterscore.refresh import run_refresh

    with own_sample_home(tmp_path / "night") as (paths, sample, _):
        change_the_register(sample / "cvr" / "virksomhed.jsonl.gz")
        with duckdb.connect(str(paths.candidate)) as con:
            con.execute("update meta.dbt_builds set code_sha256 = 'other code' where step = 'dbt_build'")
        monkeypatch.delenv("CLUSTERSCORE_ALWAYS_RESCORE")
        second = run_refresh(paths)
        assert second.success, second.render()
        record = RunRecord(paths, second.run_id)
        assert not record.read_json("dbt/dbt_build/reused.json")["unique_ids"]
