"""What each dbt model's materialisation carries besides dbt's own: its row count, its columns and their lineage.

Read once dbt has finished (DuckDB allows no second connection while dbt writes). The counts and column types come
from DuckDB itself: one read-only connection and `information_schema`. dagster-dbt would read both through a dbt
adapter it builds in this process before every dbt invocation (~2 s of dbt's profile, project and macro loading
each time, three times a run), one adapter connection per query. The lineage is dagster-dbt's own
(`_build_column_lineage_metadata`: sqlglot over the compiled SQL), with the SQL parsed once per model instead of
once per column (`lineage_parsed_once`).
"""

import contextlib
import hashlib
import importlib.metadata
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import deserialize_value, serialize_value
from dagster_dbt.asset_utils import default_metadata_from_dbt_resource_props
from dagster_dbt.core import dbt_cli_event
from sqlglot.lineage import lineage as sqlglot_lineage

from clusterscore.json_files import write_json
from pipelines.resources import Warehouse

BUILT = dg.Output | dg.AssetMaterialization  # the events of a model dbt built
# What stands for the run's id and dbt's invocation id in a compiled SQL's lineage key (`LineageCache`)
RUN_ID_IN_KEY, INVOCATION_ID_IN_KEY = "<run id>", "<dbt invocation id>"
dagster_dbt_version = importlib.metadata.version("dagster-dbt")  # its lineage builder is part of a cached lineage


def with_table_metadata(
    invocation,
    warehouse: Warehouse,
    run_id: str,
    lineage_for: Callable[[Mapping[str, Any]], bool],
    on_dbt_end: Callable[[], None] = lambda: None,
):
    """dbt's events; each built model's with its row count (not a view's: that would run its query again) and,
    where `lineage_for(node)` holds, its columns and their lineage (`run_id`: the run's id, which dbt writes into
    the SQL of the models that record it). `on_dbt_end` is called once dbt has ended well, before any of this.

    dbt's events are held until it ends (DuckDB reads nothing while dbt writes), but as each model's comes, its
    lineage is worked out ahead from the columns it and its parents had when the cache last had it
    (`LineageCache.work_out_ahead`): this process is idle while dbt runs. At the end the columns are read; where
    they are those, the lineage is the one worked out."""
    lineages = LineageCache(warehouse.paths.dbt_target / "column-lineage.json", run_id)
    events, built = [], {}  # built: each built model's event (by identity) and its manifest node
    for event in invocation.stream():  # raises if dbt failed
        events.append(event)
        if isinstance(event, BUILT):
            props = built[id(event)] = invocation.manifest["nodes"][event.metadata["unique_id"].text]
            # The id dbt writes into the SQL of the models that record their invocation (the scorecard)
            lineages.invocation_id(event.metadata["invocation_id"].text)
            if lineage_for(props):
                lineages.work_out_ahead(invocation, props)
    on_dbt_end()
    if not built:
        yield from events
        return
    with warehouse.connect(read_only=True) as con:
        columns = relation_columns(con)
        tables = [props["relation_name"] for props in built.values() if props["config"]["materialized"] != "view"]
        counts = row_counts(con, tables)
        for event in events:
            if id(event) in built:
                props = built[id(event)]
                extra = {}
                if props["relation_name"] in counts:
                    extra["dagster/row_count"] = counts[props["relation_name"]]
                    extra["dagster/storage_kind"] = "duckdb"
                if lineage_for(props):
                    extra.update(column_metadata(invocation, props, columns, lineages))
                event = event.with_metadata({**event.metadata, **extra})
            yield event
    lineages.save()


class LineageCache:
    """Column lineage by what it is computed from: the model's compiled SQL and its own and its parents' columns.
    The same SQL over the same columns has the same lineage, and a night's models are mostly those of the night
    before (sqlglot's parse and qualification of the scoring models: ~2.4 s a run, national). The marts that record
    their run write its id into their SQL as a text constant, and the scorecard dbt's invocation id too; no lineage
    depends on a constant: they are keyed as `RUN_ID_IN_KEY` and `INVOCATION_ID_IN_KEY`, or those models missed
    every night (the scorecard's lineage alone: ~0.25 s of a national night's dbt step).

    An incremental model's SQL differs between a full build and the nights after it, so the first night after one
    misses (national: ~0.35 s); the cache also keeps the columns each model had, from which `work_out_ahead` works
    a lineage out while dbt still runs. Kept in the home's dbt target folder; holds the entries of the last step
    that used it, so it does not grow."""

    def __init__(self, path: Path, run_id: str, invocation_id: str | None = None):
        self.path = path
        self.ids = {run_id: RUN_ID_IN_KEY}
        if invocation_id:
            self.invocation_id(invocation_id)
        kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        if "lineage" not in kept:  # written before the columns were kept: the lineages alone
            kept = {"lineage": kept}
        self.kept: dict[str, str] = kept["lineage"]  # by key
        self.kept_columns: dict[str, list] = kept.get("columns", {})  # by unique id: [own, parents]
        self.used: dict[str, str] = {}
        self.used_columns: dict[str, list] = {}
        self.ahead: dict[str, str] = {}  # worked out ahead, under the columns last kept

    def invocation_id(self, invocation_id: str) -> None:
        self.ids[invocation_id] = INVOCATION_ID_IN_KEY

    def key(self, unique_id: str, compiled_sql: str | None, *columns) -> str:
        if compiled_sql is not None:
            for value, stands_for in self.ids.items():
                compiled_sql = compiled_sql.replace(value, stands_for)
        parts = [dagster_dbt_version, unique_id, compiled_sql, *columns]
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def model_key(self, invocation, props: Mapping[str, Any], own: dict, parents: dict) -> str:
        """`key` of the model's compiled SQL over these columns."""
        return self.key(props["unique_id"], compiled_sql(invocation, props), own, parents)

    def get(self, key: str) -> dict[str, Any] | None:
        found = self.kept.get(key) or self.ahead.get(key)
        if found is None:
            return None
        self.used[key] = found
        return deserialize_value(found, as_type=dict)

    def put(self, key: str, lineage: dict[str, Any]) -> None:
        self.used[key] = serialize_value(lineage)

    def lineage(self, invocation, props: Mapping[str, Any], own: dict, parents: dict) -> dict[str, Any]:
        """The model's lineage from these columns: from the cache, or worked out and kept for the next run."""
        self.used_columns[props["unique_id"]] = [own, parents]
        key = self.model_key(invocation, props, own, parents)
        lineage = self.get(key)
        if lineage is None:
            lineage = build_lineage(invocation, props, own, parents)
            self.put(key, lineage)
        return lineage

    def work_out_ahead(self, invocation, props: Mapping[str, Any]) -> None:
        """Work the model's lineage out from the columns it and its parents had when it was last kept, unless the
        cache has it; `get` then finds it if they have those columns still."""
        if props["unique_id"] not in self.kept_columns:
            return
        own, parents = self.kept_columns[props["unique_id"]]
        key = self.model_key(invocation, props, own, parents)
        if key not in self.kept and key not in self.ahead:
            self.ahead[key] = serialize_value(build_lineage(invocation, props, own, parents))

    def save(self) -> None:
        write_json(self.path, {"lineage": self.used, "columns": self.used_columns})


def row_counts(con, relations: list[str]) -> dict[str, int]:
    """Each relation's row count, in one query (one per relation: ~2 ms each of a night's end of the dbt step)."""
    if not relations:
        return {}
    counts = " union all ".join(f"select {i} as relation, count(*) from {name}" for i, name in enumerate(relations))
    return {relations[i]: rows for i, rows in con.execute(counts).fetchall()}


def relation_columns(con) -> dict[str, dict[str, dict[str, str]]]:
    """Every table's and view's columns with DuckDB's type names, by dbt's relation name ("db"."schema"."name")."""
    columns: dict[str, dict[str, dict[str, str]]] = {}
    for catalog, schema, table, column, data_type in con.execute(
        "select table_catalog, table_schema, table_name, column_name, data_type "
        "from information_schema.columns order by table_catalog, table_schema, table_name, ordinal_position"
    ).fetchall():
        columns.setdefault(f'"{catalog}"."{schema}"."{table}"', {})[column] = {"data_type": data_type}
    return columns


def column_metadata(
    invocation, props: Mapping[str, Any], columns: Mapping[str, dict], lineages: LineageCache
) -> dict[str, Any]:
    """The model's column schema and, from its parents' columns, its column lineage: what dagster-dbt's
    `fetch_column_metadata()` attaches, with DuckDB's type names (VARCHAR, not the adapter's
    "character varying(256)"). The lineage is computed once for each compiled SQL and set of columns."""
    manifest = invocation.manifest
    own = columns.get(props["relation_name"], {})
    parents = {}
    for parent_id in manifest["parent_map"].get(props["unique_id"], []):
        parent = manifest["nodes"].get(parent_id) or manifest["sources"].get(parent_id)
        parents[parent["relation_name"]] = columns.get(parent["relation_name"], {})
    lineage = lineages.lineage(invocation, props, own, parents)
    return {**default_metadata_from_dbt_resource_props({"columns": own}), **lineage}


def compiled_sql(invocation, props: Mapping[str, Any]) -> str | None:
    compiled = Path(invocation.target_path, "compiled", props["package_name"], props["original_file_path"])
    return compiled.read_text(encoding="utf-8") if compiled.exists() else None


def build_lineage(invocation, props: Mapping[str, Any], own: dict, parents: dict) -> dict[str, Any]:
    """dagster-dbt's column lineage of the model (sqlglot over its compiled SQL), from these columns."""
    with lineage_parsed_once():
        return dbt_cli_event._build_column_lineage_metadata(
            event_history_metadata=dbt_cli_event.EventHistoryMetadata(columns=own, parents=parents),
            dbt_resource_props=props,
            manifest=invocation.manifest,
            dagster_dbt_translator=invocation.dagster_dbt_translator,
            target_path=invocation.target_path,
            project=invocation.project,
        )


@contextlib.contextmanager
def lineage_parsed_once() -> Iterator[None]:
    """dagster-dbt asks sqlglot for the lineage of one column at a time, passing the model's SQL as text, so sqlglot
    parses and qualifies the whole query again for every column (~2 of the 4 s of the sample's scoring models).
    sqlglot also answers for all columns at once from one parse (`lineage(None, ...)`, work shared between
    columns); for the duration of the block dagster-dbt's per-column calls are answered from that.
    tests/test_pipeline.py checks that the lineage is the same as dagster-dbt's own."""
    answers: dict[tuple[str, int], dict] = {}

    def lineage(column, sql, schema, dialect=None, **kwargs):
        key = (sql, id(schema))
        if key not in answers:
            answers.clear()  # one model at a time
            answers[key] = sqlglot_lineage(None, sql, schema, dialect=dialect, **kwargs)
        return answers[key][column]

    per_column = dbt_cli_event.lineage
    dbt_cli_event.lineage = lineage
    try:
        yield
    finally:
        dbt_cli_event.lineage = per_column
