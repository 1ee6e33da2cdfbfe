"""The published layer: the last step of write-audit-publish, downstream of every mart and of every asset a
Great Expectations suite checks, and so of every check.

The asset runs only when everything upstream materialised; blocking checks stop it before it starts (Dagster
gates a step on the blocking checks of its direct parents only, hence the checked staging models among them). It
still reads the run's own check results first and refuses to publish if any failed, whatever their blocking flag.
"""

from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from clusterscore.audit_store import RunRecord
from clusterscore.lineage import column_lineage, lineage_page
from clusterscore.publish import publish
from clusterscore.quality.gx_runner import data_docs_written
from clusterscore.run_inputs import run_inputs
from clusterscore.settings import DBT_PROJECT_DIR
from clusterscore.timings import Timings
from pipelines.project import dbt_project
from pipelines.quality import gx_checks
from pipelines.resources import Warehouse
from pipelines.transform import dbt_build, dbt_environment

MART_KEYS = [key for key in dbt_build.keys if key.path[0] == "marts"]
# Every mart, and every dbt model a Great Expectations suite checks (staging too): their blocking checks gate it.
RELEASE_PARENTS = sorted(
    set(MART_KEYS) | ({key.asset_key for check in gx_checks for key in check.check_keys} & set(dbt_build.keys))
)
SCORECARD_KEY = dg.AssetKey(["marts", "scorecard"])


def failed_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Every check of this run that did not pass, as 'asset check'."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
    ).records
    failed = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed:
            failed.append(f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}")
    return failed


def dbt_docs(dbt: DbtCliResource, record: RunRecord, target: Path, code_sha256: str):
    """dbt docs of this run as one static page (models, columns, tests and the lineage graph), kept compressed
    in the run's record; returns the folder the site copies it from.

    The page is a function of the code alone (the catalog holds tables and column types, no data), so the page an
    earlier run generated from the same code (clusterscore/run_inputs.py: code_sha256) is used again: a dbt
    process less per night."""
    folder = target / "docs-site"
    stamp = target / "docs-site.code_sha256"
    if not (stamp.exists() and stamp.read_text() == code_sha256 and (folder / "index.html").exists()):
        # --no-compile: the page shows each model's source SQL; the compiled SQL of every model the run built is
        # in the steps' manifests in the run's record. Compiling all again took 7.5 of the 12.5 s.
        dbt.cli(
            ["--quiet", "docs", "generate", "--static", "--no-compile"],
            manifest=dbt_project.manifest_path,
            target_path=target,
        ).wait()
        folder.mkdir(exist_ok=True)
        (target / "static_index.html").replace(folder / "index.html")
        stamp.write_text(code_sha256)
    record.keep_file("dbt/docs/index.html", folder / "index.html", compress=True)
    return folder


@dg.asset(
    key=dg.AssetKey(["published", "release"]),
    group_name="published",
    deps=RELEASE_PARENTS,
    kinds={"duckdb", "html", "parquet"},
    description="The published release: a copy of the checked candidate database, the scorecard site (with this "
    "run's dbt docs, Data Docs and column lineage) and the exports, switched in atomically under published/.",
)
def release(context: dg.AssetExecutionContext, warehouse: Warehouse, dbt: DbtCliResource) -> dg.MaterializeResult:
    run_id = context.run.run_id
    failed = failed_checks(context.instance, run_id)
    if failed:
        raise dg.Failure(description=f"not published: {len(failed)} check(s) failed: {'; '.join(failed)}")
    paths = warehouse.paths
    record = RunRecord(paths, run_id)
    timings = Timings()
    dbt_environment(warehouse, run_id)
    with warehouse.connect(read_only=True) as con:
        inputs = run_inputs(con)
    with timings.phase("column lineage of the scorecard"):
        lineage = column_lineage(context.instance, SCORECARD_KEY)
        record.write_json("lineage/scorecard_columns.json", lineage)
        lineage_folder = lineage_page(lineage, record.path("lineage/index.html").parent)
    with timings.phase("dbt docs (generated again only under new code)"):
        docs = {"dbt-docs": dbt_docs(dbt, record, paths.dbt_target, inputs["code_sha256"]), "lineage": lineage_folder}

    def data_docs() -> dict[str, Path]:
        """Great Expectations' Data Docs, once written: its worker writes the pages after its answers, the last
        beside the start of publishing (~0.15 s, national night), which the site's pages wait for, not the tables."""
        data_docs_written()
        folder = paths.gx_root / "gx" / "uncommitted" / "data_docs" / "local_site"
        return {"data-docs": folder} if folder.exists() else {}

    for seed in sorted((DBT_PROJECT_DIR / "seeds" / "rulebook").glob("*.csv")):
        record.keep_file(f"rulebook/{seed.name}", seed)
    rulebook_version = dbt_project_vars()["rulebook_version"]
    published = publish(paths, run_id, rulebook_version, docs, inputs, timings, later_docs=data_docs)
    record.write_json(
        "release.json",
        {
            "run_id": run_id,
            "published_at": published.published_at,
            "files": published.files,
            "phases": published.phases,  # where publishing's time went (bench/refresh.py prints them)
        },
    )
    slowest = sorted(published.phases, key=lambda p: -p["seconds"])[:3]
    context.log.info(
        f"published release {published.folder.name}: {len(published.files)} files; slowest phases: "
        + ", ".join(f"{p['phase']} {p['seconds']:.1f} s" for p in slowest)
    )
    return dg.MaterializeResult(
        metadata={
            "release": str(published.folder),
            "site": dg.MetadataValue.path(str(published.site_index)),
            "files": len(published.files),
            "database_sha256": published.files["clusterscore.duckdb"],
            "rulebook_version": rulebook_version,
        }
    )


def dbt_project_vars() -> dict:
    import yaml

    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
