"""dbt models as Dagster assets. The translator gives keys and groups by layer, so the asset graph reads
raw -> staging -> intermediate -> marts, and dbt tests become asset checks."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from clusterscore.warehouse import release_dbt_duckdb_connections
from pipelines.project import dbt_project
from pipelines.resources import Warehouse


class LayeredTranslator(DagsterDbtTranslator):
    """Asset key [layer, name] and group = layer, the layer being the model's folder under models/."""

    @staticmethod
    def layer(props: Mapping[str, Any]) -> str:
        if props["resource_type"] == "seed":
            return "reference"
        return props["fqn"][1] if len(props["fqn"]) > 2 else "default"

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)  # the raw asset named in the source's meta
        return dg.AssetKey([self.layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return self.layer(dbt_resource_props)


translator = LayeredTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    """`dbt build`: each model's tests run before its children build; a failing test stops its children."""
    os.environ["CLUSTERSCORE_DUCKDB_PATH"] = warehouse.database_path  # profiles.yml reads it in the dbt process
    try:
        yield from dbt.cli(["build"], context=context).stream().fetch_row_counts()
    finally:
        release_dbt_duckdb_connections()
