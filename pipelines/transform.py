"""dbt models as Dagster assets. The translator gives keys and groups by layer, so the asset graph reads
raw -> staging -> intermediate -> marts, and dbt tests become asset checks."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from clusterscore.audit_store import RunRecord
from clusterscore.run_inputs import UNCHANGED_RECORD, unchanged_release
from pipelines.dbt_metadata import with_table_metadata
from pipelines.project import dbt_project, seed_partial_parse
from pipelines.resources import Warehouse


class LayeredTranslator(DagsterDbtTranslator):
    """Asset key [layer, name] and group = layer, the layer being the model's folder under models/."""

    @staticmethod
    def layer(props: Mapping[str, Any]) -> str:
        return props["fqn"][1] if len(props["fqn"]) > 2 else "default"

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)  # the raw asset named in the source's meta
        return dg.AssetKey([self.layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return self.layer(dbt_resource_props)


translator = LayeredTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_environment(warehouse: Warehouse, run_id: str) -> None:
    """What the dbt process reads from its environment: the candidate database (profiles.yml) and the run id,
    which becomes the run id of every published row, so a scorecard leads back to its run."""
    os.environ["CLUSTERSCORE_DUCKDB_PATH"] = warehouse.database_path
    os.environ["CLUSTERSCORE_RUN_ID"] = run_id


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    """`dbt build` of the selected models: each model's tests run before its children build.

    The invocation's manifest and run results go to the run's audit-store record, whether it succeeded or not.
    """
    dbt_environment(warehouse, context.run.run_id)
    # "buildable": a test runs in the step that builds the last of its parents (a test across both steps,
    # such as the evidence links against raw, waits for the scoring step). Unit tests are left out: their inputs
    # are fixtures, so a night's data cannot change their result; dbt advises running them in development and CI
    # only, and tests/test_pipeline.py runs them.
    build_args = ["build", "--indirect-selection", "buildable", "--exclude-resource-type", "unit_test"]
    target = warehouse.paths.dbt_target
    seed_partial_parse(target)
    (target / "run_results.json").unlink(missing_ok=True)  # the record keeps this step's results, not the last
    invocation = dbt.cli(build_args, context=context, target_path=target)
    try:
        yield from with_table_metadata(invocation, warehouse, column_lineage=context.op_def.name == "dbt_scoring")
    finally:
        record = RunRecord(warehouse.paths, context.run.run_id)
        for artefact in ("manifest.json", "run_results.json"):
            if (invocation.target_path / artefact).exists():
                record.keep_file(f"dbt/{context.op_def.name}/{artefact}", invocation.target_path / artefact, True)


# Two dbt steps, so the blocking Great Expectations checks on staging run between them and stop the scoring.
STAGING_SELECTION = "path:seeds/reference path:models/staging"
SCORING_SELECTION = "path:seeds/rulebook path:models/intermediate path:models/marts"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    select=STAGING_SELECTION,
    name="dbt_staging",
)
def dbt_staging(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    """Reference seeds and staging models, with their dbt tests; nothing when the run's inputs are those of the
    current release (clusterscore/run_inputs.py): then no output, so scoring and publishing are skipped too."""
    with warehouse.connect(read_only=True) as con:
        release = unchanged_release(warehouse.paths, con)
    if release is not None:
        context.log.info(f"nothing to score: the batches, code and as-of date are those of release {release}")
        RunRecord(warehouse.paths, context.run.run_id).write_json(UNCHANGED_RECORD, {"release": release})
        return
    yield from _build(context, dbt, warehouse)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    select=SCORING_SELECTION,
    name="dbt_scoring",
)
def dbt_scoring(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    """The rulebook, the intermediate scoring models and the marts, with their dbt tests and unit tests."""
    yield from _build(context, dbt, warehouse)
