"""A full refresh of the bundled sample through the real Dagster job, dbt build and Great Expectations."""

from __future__ import annotations

import gzip
import itertools
import json
import shutil

import duckdb
import pytest
from conftest import PARTICIPANT_NAMES_SQL, dbt_test_results, run_dbt

from clusterscore.settings import REPO_ROOT, SAMPLE_DIR
from clusterscore.sources import SOURCES

pytestmark = pytest.mark.slow


def test_refresh_of_the_sample_passes_every_check(refreshed):
    _, outcome = refreshed
    assert outcome.success, outcome.render()
    failed = [c for c in outcome.checks if not c.passed]
    assert not failed, failed
    names = {c.name for c in outcome.checks}
    assert {f"gx_raw_{s}" for s in SOURCES} <= names
    assert "gx_stg_cvr__companies" in names
    assert sum(1 for c in outcome.checks if not c.name.startswith(("gx_", "records_"))) > 40  # dbt tests


def test_the_build_takes_the_project_as_the_dbt_server_parsed_it_ahead(refreshed):
    """The dbt server parsed the project during the landing as the build's dbt would have (clusterscore/dbt_server.py),
    so the build parsed nothing: the manifest it wrote is the parse's, made by another dbt invocation. Had it
    parsed again (it says why on its output), both would name the build's invocation."""
    paths, outcome = refreshed
    from clusterscore.audit_store import RunRecord

    record = RunRecord(paths, outcome.run_id).folder / "dbt" / "dbt_build"
    manifest = json.loads(gzip.decompress((record / "manifest.json.gz").read_bytes()))["metadata"]
    results = json.loads(gzip.decompress((record / "run_results.json.gz").read_bytes()))["metadata"]
    assert manifest["invocation_id"] != results["invocation_id"]
    assert manifest["generated_at"] < results["generated_at"]


def test_the_suites_on_dbts_models_run_as_dbt_ends_and_their_step_reports_them(refreshed):
    """The dbt step starts the Great Expectations suites on dbt's models once dbt has ended well, while it stores
    dbt's events (pipelines/quality.py: `start_after_dbt`); their own step takes the results and reports them."""
    import dagster as dg

    from clusterscore.audit_store import RunRecord
    from pipelines.quality import SUITES_AFTER_DBT, gx_checks, taken_ahead

    paths, outcome = refreshed
    instance = dg.DagsterInstance.from_config(str(paths.dagster_home))
    try:
        ended = {
            r.event_log_entry.step_key: r.event_log_entry.timestamp
            for r in instance.get_records_for_run(outcome.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS).records
        }
    finally:
        instance.dispose()
    (after_dbt,) = [check for check in gx_checks if check.op.name == SUITES_AFTER_DBT]
    suites = [spec.name.removeprefix("gx_") for spec in after_dbt.check_specs]
    record = RunRecord(paths, outcome.run_id)
    assert suites and all(record.exists() and (record.folder / f"quality/{suite}.json").exists() for suite in suites)
    # Started as dbt ended, the first is done while the dbt step still stores dbt's events (started by their own
    # step, none would be); how many more are depends on how fast that goes.
    assert min((record.folder / f"quality/{suite}.json").stat().st_mtime for suite in suites) < ended["dbt_build"]
    assert ended["dbt_build"] < ended[SUITES_AFTER_DBT]
    reported = {c.name for c in outcome.checks}
    assert {f"gx_{suite}" for suite in suites} <= reported
    assert not taken_ahead(outcome.run_id)  # taken by their step


def test_every_record_is_accounted_for(refreshed):
    paths, _ = refreshed
    with duckdb.connect(str(paths.candidate), read_only=True) as con:  # the warehouse: raw and staging
        for source in SOURCES:
            received, landed, quarantined = con.execute(
                "select received, landed, quarantined from meta.batches where source_name = ? and status = 'landed'",
                [source],
            ).fetchone()
            (raw_rows,) = con.execute(f"select count(*) from raw.{source}").fetchone()
            (q_rows,) = con.execute("select count(*) from meta.quarantine where source_name = ?", [source]).fetchone()
            assert received == landed + quarantined == raw_rows + q_rows, source


def test_the_sample_bad_records_are_quarantined_with_their_reasons(refreshed):
    paths, _ = refreshed
    manifest = json.loads((SAMPLE_DIR / "MANIFEST.json").read_text())
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        rows = con.execute("select source_uri, line_no, field, reason from meta.quarantine").fetchall()
    assert len(rows) >= len(manifest["bad_records"])
    for bad in manifest["bad_records"]:
        hits = [r for r in rows if r[0].endswith(bad["file"]) and r[1] == bad["line"]]
        assert hits, bad
        if "path" in bad:
            assert any(r[2] == bad["path"] for r in hits), (bad, hits)


def test_staging_has_one_row_per_key_and_current_values(refreshed):
    paths, _ = refreshed
    with duckdb.connect(str(paths.candidate), read_only=True) as con:  # the warehouse: raw and staging
        companies, distinct = con.execute(
            "select count(*), count(distinct cvr_number) from staging.stg_cvr__companies"
        ).fetchone()
        assert companies == distinct > 1000
        (landed,) = con.execute("select count(*) from raw.cvr_companies").fetchone()
        assert companies == landed
        statuses = {
            s for (s,) in con.execute("select distinct company_status from staging.stg_cvr__companies").fetchall()
        }
        assert {"NORMAL", "OPHØRT", "UNDER KONKURS"} <= statuses
        (no_metadata,) = con.execute(
            "select count(*) from staging.stg_cvr__companies where not has_metadata_block and company_name is not null"
        ).fetchone()
        assert no_metadata > 0  # the current name comes from the arrays when the metadata block is missing
        (ended_roles,) = con.execute(
            "select count(*) from staging.stg_cvr__participant_roles where role_group = 'LEDELSESORGAN' and not is_current"
        ).fetchone()
        assert ended_roles > 0


def test_no_personal_name_reaches_staging(refreshed):
    paths, _ = refreshed
    with duckdb.connect(str(paths.candidate), read_only=True) as con:  # the warehouse: raw and staging
        names = {n for (n,) in con.execute(PARTICIPANT_NAMES_SQL).fetchall()}
        assert names
        for (table,) in con.execute(
            "select table_schema || '.' || table_name from information_schema.tables where table_schema = 'staging'"
        ).fetchall():
            columns = [
                c
                for (c, t) in con.execute(f"select column_name, column_type from (describe {table})").fetchall()
                if t == "VARCHAR"
            ]
            for column in columns:
                values = {v for (v,) in con.execute(f"select distinct {column} from {table}").fetchall()}
                assert not (values & names), (table, column)


def test_quality_results_are_kept_for_people(refreshed):
    paths, _ = refreshed
    docs = paths.gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert docs.exists()
    validations = list((paths.gx_root / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert len(validations) >= 11
    # The release's site has the Data Docs with every suite's validation page, those Great Expectations' worker
    # writes after the last answers included (waited for when the site is built: pipelines/publish.py).
    pages = paths.published / "site" / "data-docs" / "validations"
    suites = {suite.stem for suite in (REPO_ROOT / "expectations").glob("*.json")}
    assert suites and {folder.name for folder in pages.iterdir() if any(folder.rglob("*.html"))} >= suites


def test_a_second_refresh_is_idempotent(refreshed):
    from clusterscore.refresh import run_refresh

    paths, _ = refreshed
    with duckdb.connect(str(paths.candidate), read_only=True) as con:  # the warehouse keeps every raw version
        before = {s: con.execute(f"select count(*), sum(hash(record_hash)) from raw.{s}").fetchone() for s in SOURCES}
        batches = con.execute("select count(*) from meta.batches").fetchone()
    again = run_refresh(paths)
    assert again.success, again.render()
    with duckdb.connect(str(paths.candidate), read_only=True) as con:
        after = {s: con.execute(f"select count(*), sum(hash(record_hash)) from raw.{s}").fetchone() for s in SOURCES}
        assert con.execute("select count(*) from meta.batches").fetchone() == batches
    assert after == before


def test_every_run_keeps_its_scorecards_and_shows_the_change(refreshed):
    paths, _ = refreshed
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        runs = con.execute(
            "select run_id, count(*), count(distinct cluster_org_id) from marts.scorecard group by run_id"
        ).fetchall()
        assert len(runs) >= 2 and all(n == orgs for _, n, orgs in runs)
        latest = con.execute(
            """
            select cluster_org_id, previous_run_id, previous_total_score_pct, total_score_pct, score_change_pct
            from marts.scorecard where run_id = (select run_id from marts.scorecard order by computed_at desc limit 1)
            """
        ).fetchall()
    run_ids = {run for run, _, _ in runs}
    for _, previous_run, previous_total, total, change in latest:
        assert previous_run in run_ids
        assert previous_total == total and change == 0  # same data, same score


def test_the_dbt_unit_tests_pass(refreshed, tmp_path):
    """The nightly build leaves dbt's unit tests out (their inputs are fixtures, so no night's data changes their
    result; dbt advises running them in development and CI). Here they run, every one, on a copy of the refreshed
    warehouse (dbt reads the input models' columns from it)."""
    from pipelines.project import dbt_project

    paths, outcome = refreshed
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(paths.candidate, database)
    target = tmp_path / "target"
    done = run_dbt("test", "--select", "test_type:unit", database=database, target=target)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    declared = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))["unit_tests"]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    results = [r for r in results if not r["unique_id"].startswith("operation.")]  # the on-run-end checkpoint
    assert len(declared) >= 9 and {r["unique_id"] for r in results} == set(declared)
    assert all(r["status"] == "pass" for r in results)
    # and the nightly build did not run them
    kept = paths.audit_store / "runs" / outcome.run_id / "dbt" / "dbt_build" / "run_results.json.gz"
    with gzip.open(kept, "rt", encoding="utf-8") as handle:
        assert not [r for r in json.load(handle)["results"] if r["unique_id"].startswith("unit_test.")]


def test_the_evidence_tests_read_the_links_the_run_being_built_wrote(refreshed, tmp_path):
    """The link mart holds every run's links as intervals of runs; its tests read the links the run being built
    opened or closed (macros/tests/test_scopes.sql, tests/assert_run_links_once.sql,
    tests/assert_evidence_links_resolve.sql). Its other links were opened by earlier runs, whose tests read them, and
    do not change. So a link twice over, or one naming no raw record, passes among an earlier run's links and among
    links the run before opened that still hold; among the links this run opened, it fails."""
    paths, outcome = refreshed
    links = "marts.fct_evidence_link"
    copies = itertools.count()

    def broken(first_run_id: str, first_run_seq: str, last_run_seq: str, closed_by: str) -> list[str]:
        """One link of the warehouse twice more, and one naming no raw record, as intervals opened by
        `first_run_id` (SQL expressions: the others)."""
        return [
            f"insert into {links} select * replace ('copy-{next(copies)}' as evidence_interval_id, "
            f"evidence_id{suffix} as evidence_id, {record_hash} as record_hash, '{first_run_id}' as first_run_id, "
            f"{first_run_seq} as first_run_seq, {last_run_seq} as last_run_seq, {closed_by} as closed_by_run_id) "
            f"from (select * from {links} order by evidence_interval_id limit 1)"
            for suffix, record_hash in (("", "record_hash"), ("", "record_hash"), (" || '-gone'", "'no-such-hash'"))
        ]

    def statuses(*statements: str) -> dict[str, str]:
        """The link tests' outcomes on a copy of the refreshed warehouse after `statements`."""
        database = tmp_path / f"warehouse-{next(copies)}.duckdb"
        shutil.copy(paths.candidate, database)
        with duckdb.connect(str(database)) as con:
            for statement in statements:
                con.execute(statement.replace("{run}", outcome.run_id))
        results = dbt_test_results(
            "fct_indicator_evidence fct_evidence_link",
            database,
            tmp_path / f"target-{next(copies)}",
            env={"CLUSTERSCORE_RUN_ID": outcome.run_id},
        )
        return {r["unique_id"].split(".")[2]: r["status"] for r in results}

    current = "(select run_seq from marts.fct_evidence_run where run_id = '{run}')"
    earlier_run = f"insert into marts.fct_evidence_run select 'an-earlier-run', {current} - 1, now()::timestamp"
    tests = {"assert_run_links_once", "assert_evidence_links_resolve"}
    assert set(statuses().values()) == {"pass"} and tests <= set(statuses())
    # closed links of an earlier run
    assert set(
        statuses(earlier_run, *broken("an-earlier-run", f"{current} - 1", f"{current} - 1", "'later'")).values()
    ) == {"pass"}
    # links the run before opened that still hold for this run: this run has the link twice, outside the scopes
    before = (
        earlier_run,
        f"update {links} set first_run_id = 'an-earlier-run', first_run_seq = {current} - 1 where first_run_id = '{{run}}'",
    )
    assert set(statuses(*before, *broken("an-earlier-run", f"{current} - 1", "null", "null")).values()) == {"pass"}
    # the same, opened by this run
    failed = statuses(*before, *broken("{run}", current, "null", "null"))
    assert {name for name, status in failed.items() if status == "fail"} == tests


def test_the_column_rules_are_one_check_each_and_find_a_broken_value(refreshed, tmp_path):
    """The scorecard's percentages and gates are checked by one dbt test each (`columns_between`,
    `columns_accepted_values` in macros/tests/generic_tests.sql), which finds a value out of range in any column;
    a readiness level by one test that it is known and given (`one_of`)."""
    paths, outcome = refreshed
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(paths.candidate, database)
    rules = [
        "scorecard_percentages_between_0_and_100",
        "scorecard_gates_pass_fail_or_missing",
        "int_scorecard_levels_readiness_level_known",
    ]

    def failures() -> dict[str, int]:
        results = dbt_test_results(
            " ".join(rules), database, tmp_path / "target", {"CLUSTERSCORE_RUN_ID": outcome.run_id}
        )
        return {r["unique_id"].split(".")[2]: r["failures"] for r in results}

    assert failures() == dict.fromkeys(rules, 0)
    with duckdb.connect(str(database)) as con:
        con.execute(
            "update marts.scorecard set score_financing_pct = 101, registry_verified_pct = -1, "
            "gate_member_types = 'maybe' where scorecard_id = (select min(scorecard_id) from marts.scorecard)"
        )
        levels = "update intermediate.int_scorecard_levels set readiness_level = ? where cluster_org_id = "
        con.execute(levels + "(select min(cluster_org_id) from intermediate.int_scorecard_levels)", ["Platinum"])
        con.execute(levels + "(select max(cluster_org_id) from intermediate.int_scorecard_levels)", [None])
    assert failures() == {rules[0]: 2, rules[1]: 1, rules[2]: 2}  # a row per broken value


def test_a_lineage_worked_out_ahead_serves_a_model_whose_columns_are_as_last_kept(refreshed, tmp_path):
    """While dbt runs, a model's lineage is worked out from the columns the lineage cache last kept for it
    (pipelines/dbt_metadata.py: `LineageCache.work_out_ahead`); read at the end, the same columns find it, and
    other columns do not."""
    from types import SimpleNamespace

    from pipelines.dbt_metadata import LineageCache, build_lineage
    from pipelines.project import dbt_project
    from pipelines.transform import translator

    paths, outcome = refreshed
    manifest = json.loads((paths.dbt_target / "manifest.json").read_text(encoding="utf-8"))
    invocation = SimpleNamespace(
        manifest=manifest, target_path=paths.dbt_target, dagster_dbt_translator=translator, project=dbt_project
    )
    props = manifest["nodes"]["model.clusterscore.fct_evidence_link"]
    cache_file = tmp_path / "column-lineage.json"
    kept = json.loads((paths.dbt_target / "column-lineage.json").read_text(encoding="utf-8"))
    own, parents = kept["columns"][props["unique_id"]]
    cache_file.write_text(json.dumps({"lineage": {}, "columns": kept["columns"]}))  # its lineage not kept

    lineages = LineageCache(cache_file, outcome.run_id)
    lineages.work_out_ahead(invocation, props)
    (ahead,) = lineages.ahead.values()
    assert lineages.lineage(invocation, props, own, parents) == build_lineage(invocation, props, own, parents)
    assert list(lineages.used.values()) == [ahead]  # found, not worked out again
    retyped = {**own, "batch_id": {"data_type": "BLOB"}}  # another type of one column: another key
    lineages.lineage(invocation, props, retyped, parents)
    assert len(lineages.used) == 2 and ahead in lineages.used.values()
    lineages.save()
    saved = json.loads(cache_file.read_text())
    assert saved["columns"][props["unique_id"]] == [retyped, parents] and len(saved["lineage"]) == 2


def test_each_scoring_model_carries_its_row_count_columns_and_dagster_dbts_own_lineage(refreshed):
    """Row counts and columns are read from DuckDB and the lineage from one sqlglot parse per model
    (pipelines/dbt_metadata.py); the lineage is the same as dagster-dbt's own, which asks column by column."""
    import dagster as dg
    from dagster_dbt.core import dbt_cli_event

    from pipelines.dbt_metadata import relation_columns
    from pipelines.project import dbt_project
    from pipelines.transform import translator

    paths, _ = refreshed
    instance = dg.DagsterInstance.from_config(str(paths.dagster_home))
    manifest = json.loads((paths.dbt_target / "manifest.json").read_text(encoding="utf-8"))
    checked = 0
    with duckdb.connect(str(paths.candidate), read_only=True) as con:
        columns = relation_columns(con)
        for props in manifest["nodes"].values():
            if props["resource_type"] != "model" or props["fqn"][1] not in ("intermediate", "marts"):
                continue
            event = instance.get_latest_materialization_event(translator.get_asset_key(props))
            metadata = event.asset_materialization.metadata
            own = columns[props["relation_name"]]
            if props["config"]["materialized"] != "view":
                (rows,) = con.execute(f"select count(*) from {props['relation_name']}").fetchone()
                assert metadata["dagster/row_count"].value == rows
            schema = metadata["dagster/column_schema"].value.columns
            assert [(c.name, c.type) for c in schema] == [(name, meta["data_type"]) for name, meta in own.items()]
            parents = {
                parent["relation_name"]: columns[parent["relation_name"]]
                for parent in (
                    manifest["nodes"].get(parent_id) or manifest["sources"][parent_id]
                    for parent_id in manifest["parent_map"][props["unique_id"]]
                )
            }
            per_column = dbt_cli_event._build_column_lineage_metadata(
                event_history_metadata=dbt_cli_event.EventHistoryMetadata(columns=own, parents=parents),
                dbt_resource_props=props,
                manifest=manifest,
                dagster_dbt_translator=translator,
                target_path=paths.dbt_target,
                project=dbt_project,
            )["dagster/column_lineage"]
            assert metadata["dagster/column_lineage"].value == per_column, props["name"]
            assert any(per_column.deps_by_column.values()) or not parents, props["name"]  # the run list reads none
            checked += 1
    assert checked >= 20
