"""dbt models as Dagster assets. The translator gives keys and groups by layer, so the asset graph reads
raw -> staging -> intermediate -> marts, and dbt tests become asset checks."""

import graphlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_dbt.asset_utils import get_asset_check_key_for_test, get_manifest_and_translator_from_dbt_assets

from clusterscore.audit_store import RunRecord
from clusterscore.dbt_reuse import batches_tested_through, last_built_by, note_build, reusable_nodes
from clusterscore.publish import current_release
from clusterscore.run_inputs import UNCHANGED_RECORD, always_rescore, run_inputs, unchanged_release
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

# The batches whose rows the tests scoped `where: not_yet_tested` leave out (macros/tests/test_scopes.sql).
TESTED_THROUGH_VARIABLE = "CLUSTERSCORE_TESTED_THROUGH"


def dbt_environment(warehouse: Warehouse, run_id: str, tested: list[str] | None = None) -> None:
    """What the dbt process reads from its environment: the candidate database (profiles.yml); the run id, which
    becomes the run id of every published row, so a scorecard leads back to its run; and the batches through which
    the tests scoped `where: not_yet_tested` have passed (macros/tests/test_scopes.sql)."""
    os.environ["CLUSTERSCORE_DUCKDB_PATH"] = warehouse.database_path
    os.environ["CLUSTERSCORE_RUN_ID"] = run_id
    os.environ[TESTED_THROUGH_VARIABLE] = ",".join(tested or [])


@dataclass
class Reused:
    """The nodes of a dbt step left out of its build, as they were for the current release
    (clusterscore/dbt_reuse.py), with what stands for them in Dagster."""

    release: str | None = None
    tested_through: list[str] = field(default_factory=list)  # clusterscore/dbt_reuse.py: `batches_tested_through`
    nodes: dict[str, dict] = field(default_factory=dict)  # unique id -> manifest node
    assets: dict[str, dg.AssetKey] = field(default_factory=dict)  # model or seed -> its asset
    checks: dict[str, dg.AssetCheckKey] = field(default_factory=dict)  # test -> its check

    def build_args(self, manifest: Mapping[str, Any], step_ids: set[str]) -> list[str]:
        """--exclude the reused nodes, and --select the step's other tests of a reused node: dbt's "buildable"
        selection would leave out a test of a node the build leaves out that no node of the build reads."""
        if not self.nodes:
            return []
        tests = [
            uid
            for uid in step_ids - set(self.nodes)
            if uid.startswith("test.") and set(manifest["nodes"][uid]["depends_on"].get("nodes", [])) & set(self.nodes)
        ]
        args = ["--exclude", " ".join(_selector(node) for node in self.nodes.values())]
        return args + (["--select", " ".join(_selector(manifest["nodes"][uid]) for uid in tests)] if tests else [])

    def results(self):
        """What stands for the reused nodes in Dagster: a materialisation of each model and seed and a passed check
        for each test, each naming the release they are as in."""
        said = {"clusterscore/unchanged_since_release": self.release or "", "clusterscore/rebuilt": False}
        # In the order of their dependencies, as Dagster wants a step's assets.
        order = graphlib.TopologicalSorter(
            {uid: set(self.nodes[uid]["depends_on"].get("nodes", [])) & set(self.assets) for uid in self.assets}
        )
        for uid in order.static_order():
            yield dg.MaterializeResult(asset_key=self.assets[uid], metadata={**said, "unique_id": uid})
        for uid, key in self.checks.items():
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=True,
                severity=dg.AssetCheckSeverity.ERROR,
                description=f"inputs and code as for release {self.release}, which passed it: not run again",
                metadata={**said, "unique_id": uid},
            )


def _selector(node: Mapping[str, Any]) -> str:
    return "fqn:" + ".".join(node["fqn"])


def step_nodes(context: dg.AssetExecutionContext) -> dict[str, dg.AssetKey | dg.AssetCheckKey]:
    """The dbt nodes this step builds or tests: each model's and seed's asset, each test's check."""
    manifest, translator, project = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    keys, checks = set(context.selected_asset_keys), set(context.selected_asset_check_keys)
    nodes: dict[str, dg.AssetKey | dg.AssetCheckKey] = {}
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] == "test":
            key = get_asset_check_key_for_test(manifest, translator, uid, project)
            if key in checks:
                nodes[uid] = key
        elif node["resource_type"] in ("model", "seed") and (key := translator.get_asset_key(node)) in keys:
            nodes[uid] = key
    return nodes


def reused_in_step(context: dg.AssetExecutionContext, warehouse: Warehouse, inputs: dict, nodes: dict) -> Reused:
    """Of this step's `nodes`, those that come out as they did for the current release (none when
    CLUSTERSCORE_ALWAYS_RESCORE is set), with the batches its tests passed through, after noting in the warehouse
    that this step's code is about to build in it."""
    step = context.op_def.name
    with warehouse.connect() as con:
        built_by = last_built_by(con, step)
        note_build(con, step, inputs["code_sha256"], context.run.run_id)
    release = current_release(warehouse.paths)
    if always_rescore() or release is None:
        return Reused()
    manifest, _, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    reused = Reused(release.run_id, batches_tested_through(inputs, release.inputs, built_by))
    for uid in reusable_nodes(manifest, inputs, release.inputs, built_by) & set(nodes):
        reused.nodes[uid] = manifest["nodes"][uid]
        (reused.checks if uid.startswith("test.") else reused.assets)[uid] = nodes[uid]
    return reused


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, inputs: dict):
    """`dbt build` of the selected models: each model's tests run before its children build. The nodes whose inputs
    and code are the current release's are left out and reported as they were (`reused_in_step`).

    The invocation's manifest and run results go to the run's audit-store record, whether it succeeded or not, with
    the nodes left out (`dbt/<step>/reused.json`).
    """
    nodes = step_nodes(context)
    reused = reused_in_step(context, warehouse, inputs, nodes)
    dbt_environment(warehouse, context.run.run_id, reused.tested_through)
    manifest, _, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    record = RunRecord(warehouse.paths, context.run.run_id)
    record.write_json(
        f"dbt/{context.op_def.name}/reused.json",
        {"release": reused.release, "unique_ids": sorted(reused.nodes), "tested_through": reused.tested_through},
    )
    # "buildable": dbt runs a test only when it selects every node the test reads; the tests that also read a
    # reused (excluded) node are selected by name (`Reused.build_args`). Unit tests are left out: their inputs
    # are fixtures, so a night's data cannot change their result; dbt advises running them in development and CI
    # only, and tests/test_pipeline.py runs them.
    build_args = ["build", "--indirect-selection", "buildable", "--exclude-resource-type", "unit_test"]
    build_args += reused.build_args(manifest, set(nodes))
    target = warehouse.paths.dbt_target
    seed_partial_parse(target)
    (target / "run_results.json").unlink(missing_ok=True)  # the record keeps this step's results, not the last
    from pipelines.quality import drop_ahead, start_after_dbt  # it imports this module

    invocation = dbt.cli(build_args, context=context, target_path=target)  # dbt starts now, in its own process
    try:
        # First what stands for the reused nodes: they read only reused nodes, and Dagster wants a step's assets in
        # the order of their dependencies (dbt's own events are held until it ends: `with_table_metadata`). Yielded
        # while dbt starts: Dagster stores ~100 events for them on a night (~0.4 s), which held up dbt's start.
        yield from reused.results()
        yield from with_table_metadata(
            invocation,
            warehouse,
            context.run.run_id,
            lineage_for=lambda node: LayeredTranslator.layer(node) in LINEAGE_LAYERS,
            on_dbt_end=lambda: start_after_dbt(context, warehouse),  # the suites on dbt's models, meanwhile
        )
    except BaseException:
        drop_ahead(context.run.run_id)  # their step will not run
        raise
    finally:
        if invocation.process.poll() is None:  # left before dbt's end (an error or a stop here): dbt stops too
            invocation.process.terminate()
            invocation.process.wait()
        for artefact in ("manifest.json", "run_results.json"):
            if (invocation.target_path / artefact).exists():
                record.keep_file(f"dbt/{context.op_def.name}/{artefact}", invocation.target_path / artefact, True)


# One dbt step for every seed and model: part of a night's fixed cost is per dbt invocation and per Dagster step
# (dbt's start, its artefacts, the events and the table metadata: the 1 % national night took 1.7 s less with one
# step than with two). dbt's own tests still stop what reads a failing node; the Great Expectations suites on
# staging run after the build and block the release (pipelines/publish.py lists their assets among its parents),
# so a failing one stops publication, not the scoring (bench/README.md, round of 2026-12-05). It selects the whole
# project, dagster-dbt's default: that selection is read off the manifest, where any other needs dbt's own selector,
# which this process does not import (pipelines/__init__.py).
# Column lineage is shown for the scoring layers (what a reviewer audits a number through); staging only renames.
LINEAGE_LAYERS = frozenset({"rulebook", "intermediate", "marts"})


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    name="dbt_build",
)
def dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    """Seeds, staging, the intermediate scoring models and the marts, with their dbt tests; nothing when the run's
    inputs are those of the current release (clusterscore/run_inputs.py): then no output, so the later checks and
    publishing are skipped too."""
    with warehouse.connect(read_only=True) as con:
        inputs = run_inputs(con)
        release = unchanged_release(warehouse.paths, inputs)
    if release is not None:
        context.log.info(f"nothing to score: the batches, code and as-of date are those of release {release}")
        RunRecord(warehouse.paths, context.run.run_id).write_json(UNCHANGED_RECORD, {"release": release})
        return
    yield from _build(context, dbt, warehouse, inputs)
