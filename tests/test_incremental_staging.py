"""The CVR staging models are incremental (macros/changed_records.sql): a night reads only the company documents
it does not hold yet, and their tests read only the rows not yet tested (macros/tests/test_scopes.sql). After a
night with changed companies and one gone, they hold exactly what a full rebuild from the same raw records holds."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import change_the_register, dbt_test_results, own_sample_home, run_dbt

from clusterscore.audit_store import RunRecord
from clusterscore.publish import current_release
from clusterscore.reproduce import reproduce

pytestmark = pytest.mark.slow
MODELS = ("base_cvr__company_documents", "stg_cvr__companies", "stg_cvr__participant_roles")


def test_incremental_cvr_staging_equals_a_full_rebuild(tmp_path, monkeypatch):
    from clusterscore.refresh import run_refresh

    with own_sample_home(tmp_path / "night") as (paths, sample, first):
        changes = change_the_register(sample / "cvr" / "virksomhed.jsonl.gz")
        monkeypatch.delenv("CLUSTERSCORE_ALWAYS_RESCORE")  # set for every test (tests/conftest.py)
        release_batches = current_release(paths).inputs["batches"]
        tested_through = sorted(b for b in release_batches.values() if b)
        with duckdb.connect(str(paths.candidate), read_only=True) as con:
            before = {model: con.execute(f"select * from staging.{model}").fetchall() for model in MODELS}
            held = "select count(*) from staging.stg_cvr__companies where cvr_number = ?"
            assert con.execute(held, [changes["gone"]]).fetchone()[0] == 1
        second = run_refresh(paths)
        assert second.success, second.render()

        # The night's staging read only what it did not hold (the incremental branch of the macros ran).
        record = RunRecord(paths, second.run_id)
        # The CVR suites validated the changed rows; the members' suite was known unchanged from the run's inputs
        # (clusterscore/quality/reuse.py: `same_rows_by_inputs`), so its profile was not queried.
        for suite in ("raw_cvr_companies", "stg_cvr__companies"):
            assert "clusterscore_reused_from_run" not in record.read_json(f"quality/{suite}.json")
        members = record.read_json("quality/stg_clusters__members.json")
        assert (members["clusterscore_reused_by"], members["clusterscore_reused_from_run"]) == ("inputs", first.run_id)
        results = record.read_json("dbt/dbt_build/run_results.json.gz")["results"]
        compiled = {r["unique_id"].rsplit(".", 1)[-1]: r.get("compiled_code") or "" for r in results}
        assert all("select distinct held.batch_id" in compiled[model] for model in MODELS)
        # ... and their tests only the rows of batches after the release's (the same code built and tested it).
        assert record.read_json("dbt/dbt_build/reused.json")["tested_through"] == tested_through
        (scoped,) = (
            r["compiled_code"]
            for r in results
            if ".primary_key_stg_cvr__participant_roles_participant_role_id." in r["unique_id"]
        )
        assert "not in (" in scoped and f"'{release_batches['cvr_companies']}'" in scoped

        rebuilt = tmp_path / "rebuilt.duckdb"
        shutil.copy(paths.candidate, rebuilt)
        done = run_dbt("run", "--full-refresh", "--select", *MODELS, database=rebuilt, target=tmp_path / "target")
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]

        with duckdb.connect(str(paths.candidate), read_only=True) as con:
            con.execute(f"attach '{rebuilt}' as rebuilt (read_only)")
            for model in MODELS:
                ours, theirs = f"staging.{model}", f"rebuilt.staging.{model}"
                for a, b in ((ours, theirs), (theirs, ours)):
                    extra = con.execute(f"select count(*) from (from {a} except all from {b})").fetchone()[0]
                    assert extra == 0, f"{a}: {extra} rows not in {b}"
            gone = con.execute(held, [changes["gone"]]).fetchone()[0]
            changed, new_rows = (
                con.execute(
                    f"select count(*) from staging.{model} where batch_id in "
                    "(select batch_id from meta.batches where run_id = ? and source_name = 'cvr_companies')",
                    [second.run_id],
                ).fetchone()[0]
                for model in ("base_cvr__company_documents", "stg_cvr__companies")
            )
        assert gone == 0 and changed == changes["changed"]
        # The register's suite counted its rules no row may break on those companies only, as the release's
        # batches had been validated (pipelines/quality.py: `validated_through`).
        scope = record.read_json("quality/stg_cvr__companies.json")["clusterscore_validated_through"]
        assert scope == {"release": first.run_id, "batches": tested_through, "rows": new_rows} and new_rows > 0

        # A scoped test leaves out the rows the release's build tested, and still finds a bad row landed after it.
        def failures(tested: str) -> int:
            env = {"CLUSTERSCORE_TESTED_THROUGH": tested}
            (result,) = dbt_test_results("stg_cvr__companies_required_columns", rebuilt, tmp_path / "t", env)
            return result["failures"]

        spoil = (
            "update staging.stg_cvr__companies set unit_number = null where cvr_number = "
            "(select min(cvr_number) from staging.stg_cvr__companies where batch_id = ?)"
        )
        tested = ",".join(tested_through)
        with duckdb.connect(str(rebuilt)) as con:
            con.execute(spoil, [release_batches["cvr_companies"]])
            (night_batch,) = con.execute(
                "select batch_id from meta.batches where run_id = ? and source_name = 'cvr_companies'", [second.run_id]
            ).fetchone()
        assert failures(tested) == 0 and failures("") == 1
        with duckdb.connect(str(rebuilt)) as con:
            con.execute(spoil, [night_batch])
        assert failures(tested) == 1

        # A reproduction of the first run rolls the records back; its staging is built whole (the tables are
        # emptied first, clusterscore/reproduce.py), and holds what the first run's did.
        reproduction = reproduce(paths, first.run_id, keep_workdir=True)
        try:
            assert reproduction.identical, reproduction.render()
            with duckdb.connect(str(reproduction.workdir / "clusterscore.duckdb"), read_only=True) as con:
                for model in MODELS:
                    rows = con.execute(f"select * from staging.{model}").fetchall()
                    assert sorted(map(repr, rows)) == sorted(map(repr, before[model])), model
        finally:
            shutil.rmtree(reproduction.workdir, ignore_errors=True)
