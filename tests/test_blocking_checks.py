"""A failing quality check at raw landing stops everything downstream of it in the same run."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

pytestmark = pytest.mark.slow

RAW = dg.AssetKey(["raw", "cvr_companies"])
STAGED = dg.AssetKey(["staging", "stg_cvr__companies"])


def test_a_tampered_raw_batch_fails_its_checks_and_staging_is_not_built(home):
    from pipelines.definitions import build_definitions

    job = build_definitions(home).resolve_job_def("refresh")
    landed = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), asset_selection=[RAW])
    assert landed.success

    # Break the batch behind the landing step's back: a second copy of one record in the same batch.
    with duckdb.connect(str(home.candidate)) as con:
        con.execute("insert into raw.cvr_companies select * from raw.cvr_companies limit 1")

    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), asset_selection=[RAW, STAGED], raise_on_error=False
    )
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations() if e.asset_key == RAW}
    assert not evaluations["gx_raw_cvr_companies"].passed
    assert "expect_column_values_to_be_unique" in evaluations["gx_raw_cvr_companies"].description
    assert not evaluations["records_reconcile"].passed
    assert "NOT balanced" in evaluations["records_reconcile"].description
    assert not result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert STAGED not in materialized
    with duckdb.connect(str(home.candidate), read_only=True) as con:
        (views,) = con.execute(
            "select count(*) from information_schema.tables where table_name = 'stg_cvr__companies'"
        ).fetchone()
    assert views == 0
