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
    the SQL of the models that record it). `on_dbt_end` is called once dbt has ended well, before any of this."""
    events = list(invocation.stream())  # raises if dbt failed
    on_dbt_end()
    if not any(isinstance(event, BUILT) for event in events):
        yield from events
        return
    # The ids dbt writes into the SQL of the models that record them: the run's and dbt's invocation's.
    invocation_id = invocation.get_artifact("run_results.json")["metadata"]["invocation_id"]
    lineages = LineageCache(warehouse.paths.dbt_target / "column-lineage.json", run_id, invocation_id)
    built = [
        invocation.manifest["nodes"][event.metadata["unique_id"].text] for event in events if isinstance(event, BUILT)
    ]
    with warehouse.connect(read_only=True) as con:
        columns = relation_columns(con)
        counts = row_counts(
            con, [props["relation_name"] for props in built if props["config"]["materialized"] != "view"]
        )
        for event in events:
            if isinstance(event, BUILT):
                props = invocation.manifest["nodes"][event.metadata["unique_id"].text]
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
    every night (the scorecard's lineage alone: ~0.25 s of a national night's dbt step). Kept in the home's dbt
    target folder; holds the entries of the last step that used it, so it does not grow."""

    def __init__(self, path: Path, run_id: str, invocation_id: str | None = None):
        self.path = path
        self.ids = {run_id: RUN_ID_IN_KEY, **({invocation_id: INVOCATION_ID_IN_KEY} if invocation_id else {})}
        self.kept: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        self.used: dict[str, str] = {}

    def key(self, unique_id: str, compiled_sql: str | None, *columns) -> str:
        if compiled_sql is not None:
            for value, stands_for in self.ids.items():
                compiled_sql = compiled_sql.replace(value, stands_for)
        parts = [dagster_dbt_version, unique_id, compiled_sql, *columns]
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        if key not in self.kept:
            return None
        self.used[key] = self.kept[key]
        return deserialize_value(self.kept[key], as_type=dict)

    def put(self, key: str, lineage: dict[str, Any]) -> None:
        self.used[key] = serialize_value(lineage)

    def save(self) -> None:
        write_json(self.path, self.used)


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
    compiled = Path(invocation.target_path, "compiled", props["package_name"], props["original_file_path"])
    key = lineages.key(
        props["unique_id"], compiled.read_text(encoding="utf-8") if compiled.exists() else None, own, parents
    )
    lineage = lineages.get(key)
    if lineage is None:
        with lineage_parsed_once():
            lineage = dbt_cli_event._build_column_lineage_metadata(
                event_history_metadata=dbt_cli_event.EventHistoryMetadata(columns=own, parents=parents),
                dbt_resource_props=props,
                manifest=manifest,
                dagster_dbt_translator=invocation.dagster_dbt_translator,
                target_path=invocation.target_path,
                project=invocation.project,
            )
        lineages.put(key, lineage)
    return {**default_metadata_from_dbt_resource_props({"columns": own}), **lineage}


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
