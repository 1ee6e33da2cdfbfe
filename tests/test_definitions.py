"""The code location loads, and its graph has the shape the README describes."""

from __future__ import annotations

import dagster as dg

from clusterscore.settings import EXPECTATIONS_DIR
from clusterscore.sources import SOURCES


def load_defs():
    from pipelines.definitions import build_definitions

    return build_definitions()


def test_definitions_load():
    dg.Definitions.validate_loadable(load_defs())


def test_asset_keys_and_groups_follow_the_layers():
    graph = load_defs().resolve_asset_graph()
    materializable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    by_layer: dict[str, set[str]] = {}
    for key in materializable:
        assert graph.get(key).group_name == key.path[0], key
        by_layer.setdefault(key.path[0], set()).add(key.path[-1])
    assert by_layer["raw"] == set(SOURCES)
    # staging models, and the one base model that parses each CVR document once for them
    assert all(name.startswith("stg_") for name in by_layer["staging"] - {"base_cvr__company_documents"})
    assert "base_cvr__company_documents" in by_layer["staging"]
    assert all(name.startswith("ref_") for name in by_layer["reference"])
    assert all(name.startswith("rulebook_") for name in by_layer["rulebook"])
    assert all(name.startswith("int_") for name in by_layer["intermediate"])
    assert {"scorecard", "fct_indicator_value", "fct_category_score", "dim_cluster_organisation"} <= by_layer["marts"]


def test_every_raw_asset_has_blocking_quality_and_reconciliation_checks():
    graph = load_defs().resolve_asset_graph()
    checks = {(key.asset_key.path[-1], key.name) for key in graph.asset_check_keys}
    for source in SOURCES:
        assert (source, f"gx_raw_{source}") in checks
        assert (source, "records_reconcile") in checks
    suites = {path.stem for path in EXPECTATIONS_DIR.glob("*.json")}
    assert {name.removeprefix("gx_") for _, name in checks if name.startswith("gx_")} == suites


def test_staging_models_read_the_raw_assets():
    graph = load_defs().resolve_asset_graph()
    base = dg.AssetKey(["staging", "base_cvr__company_documents"])
    assert dg.AssetKey(["raw", "cvr_companies"]) in graph.get(base).parent_keys
    assert base in graph.get(dg.AssetKey(["staging", "stg_cvr__companies"])).parent_keys
    assert base in graph.get(dg.AssetKey(["staging", "stg_cvr__participant_roles"])).parent_keys


def test_one_dbt_step_and_every_great_expectations_check_on_a_model_gates_the_release():
    """Staging and scoring build in one dbt invocation; the suites on staging and the marts run after it, in one
    step, and the release's step waits for it (Dagster gates a step on the blocking checks of its direct parents);
    a raw source's suite has a step of its own."""
    from pipelines.quality import gx_checks

    defs = load_defs()
    staging = defs.resolve_assets_def(dg.AssetKey(["staging", "stg_cvr__companies"]))
    scoring = defs.resolve_assets_def(dg.AssetKey(["marts", "scorecard"]))
    assert staging.op.name == scoring.op.name == "dbt_build"
    step_of = {spec.key: check.op.name for check in gx_checks for spec in check.check_specs}
    model_suites = [
        spec for check in gx_checks for spec in check.check_specs if spec.asset_key.path[0] in ("staging", "marts")
    ]
    assert {spec.asset_key.path[0] for spec in model_suites} == {"staging", "marts"}
    assert {step_of[spec.key] for spec in model_suites} == {"gx_suites_after_dbt"}
    raw_steps = [step for key, step in step_of.items() if key.asset_key.path[0] == "raw"]
    assert len(raw_steps) == len(set(raw_steps)) == 5
    job = defs.resolve_job_def("refresh")
    upstream = {
        output.node.name
        for outputs in job.graph.dependency_structure.input_to_upstream_outputs_for_node("published__release").values()
        for output in outputs
    }
    for spec in model_suites:
        assert spec.blocking, spec.key
        assert step_of[spec.key] in upstream, spec.key


def test_refresh_job_runs_in_process_over_every_asset():
    defs = load_defs()
    job = defs.resolve_job_def("refresh")
    assert job.executor_def.name == "in_process"
    graph = defs.resolve_asset_graph()
    selected = job.asset_layer.selected_asset_keys
    assert {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable} <= set(selected)


def test_the_published_release_is_the_last_layer_downstream_of_every_mart():
    graph = load_defs().resolve_asset_graph()
    release = dg.AssetKey(["published", "release"])
    assert graph.get(release).group_name == "published"
    marts = {k for k in graph.get_all_asset_keys() if k.path[0] == "marts"}
    assert marts and marts <= set(graph.get(release).parent_keys)
    assert not graph.get(release).child_keys  # nothing reads the candidate after publication


def test_scheduled_and_ui_runs_are_recorded_by_run_status_sensors():
    defs = load_defs()
    names = {sensor.name for sensor in defs.sensors}
    assert {"record_successful_refresh", "record_failed_refresh"} <= names


GRAPH_OF_A_FRESH_PROCESS = """
import json, sys
{before}
from pipelines.definitions import build_definitions
graph = build_definitions().resolve_asset_graph()
print(json.dumps({{
    "assets": {{key.to_user_string(): sorted(p.to_user_string() for p in graph.get(key).parent_keys)
               for key in graph.get_all_asset_keys()}},
    "checks": sorted(key.to_user_string() for key in graph.asset_check_keys),
    "dbt_imported": sorted(name for name in ("dbt.version", "dbt.contracts.results", "dbt.adapters.base")
                           if name in sys.modules),
}}))
"""


def _graph_of_a_fresh_process(before: str) -> dict:
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", GRAPH_OF_A_FRESH_PROCESS.format(before=before)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_code_location_imports_no_dbt_core_and_has_the_graph_it_has_with_it():
    """pipelines/__init__.py imports dagster-dbt as beside dbt Fusion (no dbt-core modules: 1.1-1.4 s of every
    start); with dbt-core imported first, dagster-dbt uses dbt's own classes and selector. The graph is the same."""
    without = _graph_of_a_fresh_process("")
    with_dbt_core = _graph_of_a_fresh_process("import dbt.version, dagster_dbt")
    assert without["dbt_imported"] == []
    assert with_dbt_core["dbt_imported"] == ["dbt.adapters.base", "dbt.contracts.results", "dbt.version"]
    assert without["assets"] == with_dbt_core["assets"]
    assert without["checks"] == with_dbt_core["checks"]
    assert len(without["checks"]) > 100  # every dbt test is a check
