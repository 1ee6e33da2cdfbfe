"""The CVR staging models are incremental (macros/changed_records.sql): a night reads only the company documents
it does not hold yet. After a night with changed companies and one gone, they hold exactly what a full rebuild
from the same raw records holds."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import change_the_register, own_sample_home, run_dbt

from clusterscore.audit_store import RunRecord

pytestmark = pytest.mark.slow
MODELS = ("base_cvr__company_documents", "stg_cvr__companies", "stg_cvr__participant_roles")


def test_incremental_cvr_staging_equals_a_full_rebuild(tmp_path):
    from clusterscore.refresh import run_refresh

    with own_sample_home(tmp_path / "night") as (paths, sample, _):
        changes = change_the_register(sample / "cvr" / "virksomhed.jsonl.gz")
        with duckdb.connect(str(paths.candidate), read_only=True) as con:
            held = "select count(*) from staging.stg_cvr__companies where cvr_number = ?"
            assert con.execute(held, [changes["gone"]]).fetchone()[0] == 1
        second = run_refresh(paths)
        assert second.success, second.render()

        # The night's staging read only what it did not hold (the incremental branch of the macros ran).
        results = RunRecord(paths, second.run_id).read_json("dbt/dbt_build/run_results.json.gz")["results"]
        compiled = {r["unique_id"].rsplit(".", 1)[-1]: r.get("compiled_code") or "" for r in results}
        assert all("not in (select held.record_hash" in compiled[model] for model in MODELS)

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
            changed = con.execute(
                "select count(*) from staging.base_cvr__company_documents where batch_id in "
                "(select batch_id from meta.batches where run_id = ? and source_name = 'cvr_companies')",
                [second.run_id],
            ).fetchone()[0]
        assert gone == 0 and changed == changes["changed"]
