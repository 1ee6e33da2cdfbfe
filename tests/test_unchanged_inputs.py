"""A refresh whose inputs (batches in use, code, as-of date) are those of the current release scores nothing: it
lands and checks its sources, stops before dbt and leaves the release published byte for byte. The next day's
as-of date is a new input, so that run scores and publishes again."""

from __future__ import annotations

import datetime as dt
import json
import os

import dagster as dg
import pytest
from conftest import own_sample_home

from clusterscore.audit_store import RunRecord
from clusterscore.operations import read_status
from clusterscore.publish import file_checksums
from clusterscore.sources import SOURCES

pytestmark = pytest.mark.slow


def materialised(paths, run_id: str) -> set[str]:
    instance = dg.DagsterInstance.from_config(str(paths.dagster_home))
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    return {r.event_log_entry.dagster_event.asset_key.to_user_string() for r in records}


def test_a_run_with_nothing_new_keeps_the_release_and_a_new_as_of_date_scores_again(tmp_path, monkeypatch):
    from clusterscore.refresh import run_refresh

    monkeypatch.delenv("CLUSTERSCORE_ALWAYS_RESCORE")
    with own_sample_home(tmp_path) as (paths, _, first):
        release = json.loads((paths.published / "RELEASE.json").read_text())
        inputs = release["inputs"]
        assert set(inputs["batches"]) == set(SOURCES) and inputs["stale_sources"] == []
        assert inputs["as_of_date"] == os.environ["CLUSTERSCORE_AS_OF"] and len(inputs["code_sha256"]) == 64
        before = (os.readlink(paths.published), file_checksums(paths.published.resolve()))

        again = run_refresh(paths)
        assert again.success, again.render()
        assert again.unchanged_since == first.run_id == again.release
        assert "Not scored again" in again.render() and again.levels == []
        assert (os.readlink(paths.published), file_checksums(paths.published.resolve())) == before
        assert materialised(paths, again.run_id) == {f"raw/{name}" for name in SOURCES}  # no dbt, no release
        assert {c.name for c in again.checks} >= {"records_reconcile", "gx_raw_cvr_companies"}  # raw still checked
        # ... on the rows the first run validated, so each suite's pass is reused, and the run's record says whose.
        suites = [c for c in again.checks if c.name.startswith("gx_")]
        assert len(suites) == len(SOURCES) and all(c.passed for c in suites)
        assert all(f"validated in run {first.run_id}: that result reused" in c.description for c in suites)
        reused = RunRecord(paths, again.run_id).read_json("quality/raw_cvr_companies.json")
        assert reused["clusterscore_reused_from_run"] == first.run_id and reused["success"] is True
        status = read_status(paths)["last_success"]
        assert status["run_id"] == again.run_id and status["release"] == first.run_id

        next_day = dt.date.fromisoformat(inputs["as_of_date"]) + dt.timedelta(days=1)
        monkeypatch.setenv("CLUSTERSCORE_AS_OF", next_day.isoformat())
        scored = run_refresh(paths)
        assert scored.success, scored.render()
        assert scored.unchanged_since is None and scored.release == scored.run_id and scored.levels
        assert "published/release" in materialised(paths, scored.run_id)
        assert json.loads((paths.published / "RELEASE.json").read_text())["inputs"]["as_of_date"] == str(next_day)
        # The new date leaves the staging models' rows as they were, which the run's inputs show: their suites'
        # passes are reused without a profile's query or a pass over the rows (clusterscore/quality/reuse.py).
        for suite in ("stg_cvr__companies", "stg_clusters__members", "stg_clusters__funding"):
            kept = RunRecord(paths, scored.run_id).read_json(f"quality/{suite}.json")
            assert (kept["clusterscore_reused_by"], kept["clusterscore_reused_from_run"]) == ("inputs", first.run_id)
        # Same code, so the dbt docs page of the first run is used again (no dbt process) and published again.
        assert (paths.dbt_target / "docs-site.code_sha256").read_text() == inputs["code_sha256"]
        first_docs = paths.releases / first.run_id / "site" / "dbt-docs" / "index.html"
        assert (paths.published / "site" / "dbt-docs" / "index.html").read_bytes() == first_docs.read_bytes()
