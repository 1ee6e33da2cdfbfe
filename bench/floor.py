"""The floor: the same ingest and scoring as plain DuckDB SQL, with no framework around it.

    .venv/bin/python bench/floor.py [--data sample] [--db data/bench/floor/floor.duckdb] [--staging table|view]

No Dagster, no dbt process while timing, no Great Expectations, no pydantic, no pandas. What it runs:

1. ingest: each source file read by DuckDB's `read_ndjson_objects` straight into a table with the raw table's
   columns (`RAW_COLUMNS`, `META_DDL` and the meta views are read from clusterscore/landing.py's source text, so
   the floor follows the project's schema): key, line number, `sha256` of the JSON text (the files are already
   canonical JSON: keys sorted, no whitespace), the payload; a submission split into its header and one record
   per line, as landing does. No record checks: the floor is what the work costs without them.
2. scoring: the project's dbt models, compiled by `dbt compile` beforehand (not timed) into their SQL, executed
   in dependency order as `create or replace table|view` on the same connection; seeds loaded with `read_csv`
   with the seeds' declared column types. Staging models become tables by default (`--staging view` keeps the
   project's views, whose JSON parsing then repeats in every model that reads them).

It prints the wall time of every stage (ingest per source, seeds, staging, intermediate, marts), the slowest
models, the total, the peak resident memory of this process (DuckDB runs inside it) and the rows of each mart.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import graphlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from _measure import REPO_ROOT, Stages, machine, mib, peak_rss_mib, shown

DBT_DIR = REPO_ROOT / "dbt_project"
LANDING = REPO_ROOT / "clusterscore" / "landing.py"
DEFAULT_DB = REPO_ROOT / "data" / "bench" / "floor" / "floor.duckdb"
RUN_ID = "floor"

# source -> (file under the data folder, record type, record key as SQL over the line `json`); as in
# clusterscore/sources/*.py. Submissions are split separately (SECTIONS).
SOURCES = {
    "cvr_companies": (
        "cvr/virksomhed.jsonl.gz",
        "company",
        "coalesce(json ->> '$._source.Vrvirksomhed.cvrNummer', json ->> '$._id')",
    ),
    "annual_reports": (
        "annual_reports/regnskaber.jsonl.gz",
        "annual_report",
        "concat(json ->> '$.cvrNummer', '/', json ->> '$.regnskab.regnskabsperiode.slutDato')",
    ),
    "cluster_designations": (
        "clusters/designations.jsonl.gz",
        "designation",
        "concat(json ->> '$.cvr', '/', json ->> '$.programme')",
    ),
    "cluster_submissions": ("clusters/submissions.jsonl.gz", "submission", None),
    "label_awards": (
        "labels/label_list.jsonl.gz",
        "label_award",
        "concat_ws('/', json ->> '$.organisation_name', json ->> '$.label', json ->> '$.valid_until')",
    ),
}
SECTIONS = {
    "members": "member",
    "board": "board_seat",
    "funding": "funding",
    "projects": "project",
    "engagement": "engagement",
    "events": "event",
}
STALE_AFTER_HOURS = {"cvr_companies": 26}


def landing_constants() -> dict[str, str]:
    """The DDL string constants of clusterscore/landing.py, read from its source (importing it would bring
    pydantic and pandas into the floor's process)."""
    tree = ast.parse(LANDING.read_text(encoding="utf-8"))
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                constants[node.targets[0].id] = value.value
    return constants


def insert_by_name(con: duckdb.DuckDBPyConnection, table: str, values: dict[str, str], source_sql: str) -> None:
    """Insert `source_sql`'s rows, one SQL expression per column the table has; a column the floor does not
    know must be nullable."""
    columns = {
        name: nullable
        for name, nullable in con.execute(
            "select column_name, is_nullable from information_schema.columns "
            "where table_schema || '.' || table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    }
    unknown = [name for name, nullable in columns.items() if name not in values and nullable == "NO"]
    if unknown:
        raise SystemExit(f"floor: {table} has required columns the floor does not fill: {unknown}")
    chosen = [name for name in columns if name in values]
    expressions = ", ".join(f"{values[name]} as {name}" for name in chosen)
    con.execute(f"insert into {table} ({', '.join(chosen)}) select {expressions} from ({source_sql})")


def raw_values(name: str, batch_id: str, uri: str, fetched_at: str) -> dict[str, str]:
    quote = lambda text: "'" + text.replace("'", "''") + "'"  # noqa: E731
    return {
        "batch_id": quote(batch_id),
        "source_name": quote(name),
        "source_uri": quote(uri),
        "fetched_at": f"{quote(fetched_at)}::timestamptz",
        "line_no": "line_no",
        "record_type": "record_type",
        "record_key": "record_key",
        "parent_key": "parent_key",
        "record_hash": "sha256(payload::varchar)",
        "payload": "payload",
        "last_seen_batch_id": quote(batch_id),
    }


def ingest(con: duckdb.DuckDBPyConnection, data: Path, stages: Stages, fetched_at: str) -> dict[str, int]:
    constants = landing_constants()
    con.execute(constants["META_DDL"])
    for name, text in constants.items():
        if name.endswith("_VIEW") and text.lstrip().lower().startswith("create"):
            con.execute(text.replace("{now}", "current_timestamp"))  # a template in landing.py
    counts = {}
    for name, (file, record_type, key) in SOURCES.items():
        path = data / file
        batch_id = f"{name}-floor-{fetched_at}"
        with stages.stage(f"ingest {name}"):
            con.execute(f"create or replace table raw.{name} ({constants['RAW_COLUMNS']})")
            lines = f"select row_number() over () as line_no, json from read_ndjson_objects('{path}')"
            if key is not None:
                # Line numbers from the row ids afterwards: the insert keeps the file's order, while a
                # row_number() window would hold the whole file in memory first.
                source_sql = (
                    f"select 0 as line_no, '{record_type}' as record_type, {key} as record_key, null::varchar as "
                    f"parent_key, json as payload from read_ndjson_objects('{path}')"
                )
            else:
                # Split first into a table of the header and each section's list: an unnest beside the whole
                # submission would copy it once per line (out of memory at national scale).
                con.execute(f"create or replace temp table submissions as {submission_parts_sql(lines)}")
                source_sql = submissions_sql()
            insert_by_name(con, f"raw.{name}", raw_values(name, batch_id, file, fetched_at), source_sql)
            if key is not None:
                con.execute(f"update raw.{name} set line_no = rowid + 1")
            count = con.execute(f"select count(*) from raw.{name}").fetchone()[0]
            record_batch(con, name, batch_id, file, fetched_at, count)
        counts[name] = count
    return counts


def submission_parts_sql(lines: str) -> str:
    """Each submission as its parent key `<cvr>/<year>`, its header (the sections replaced by their line counts,
    keys sorted again so the hash equals landing's canonical JSON) and one JSON list per section."""
    drop_sections = json.dumps(dict.fromkeys(SECTIONS))
    counts = ", ".join(f"'{section}', json_array_length(json -> '$.{section}')" for section in sorted(SECTIONS))
    header = (
        f"json_merge_patch(json_merge_patch(json, '{drop_sections}'), "
        f"json_object('section_line_counts', json_object({counts})))"
    )
    sorted_header = (
        "to_json(map_from_entries(list_sort(list_transform(json_keys(header), "
        "lambda k: struct_pack(k := k, v := json_extract(header, '$.\"' || k || '\"'))))))"
    )
    sections = ", ".join(f"from_json(json -> '$.{section}', '[\"json\"]') as {section}" for section in SECTIONS)
    return f"""
        select line_no, parent, {sorted_header} as header, * exclude (line_no, parent, header)
        from (
            select line_no, concat(json ->> '$.organisation_cvr', '/', json ->> '$.year') as parent,
                   {header} as header, {sections}
            from ({lines})
        )"""


def submissions_sql() -> str:
    """A submission as landing splits it: the header, then one record per section line, keyed
    `<cvr>/<year>/<section>[<index>]` under the parent `<cvr>/<year>`."""
    parts = [
        "select line_no, 'submission' as record_type, parent as record_key, null::varchar as parent_key, "
        "header as payload from submissions"
    ]
    for section, record_type in SECTIONS.items():
        parts.append(
            f"""select line_no, '{record_type}', concat(parent, '/{section}[', index, ']'), parent, line
                from (
                    select line_no, parent, unnest({section}) as line,
                           unnest(range(coalesce(len({section}), 0)::bigint)) as index
                    from submissions
                )"""
        )
    return " union all ".join(parts)


def record_batch(con, name: str, batch_id: str, uri: str, fetched_at: str, count: int) -> None:
    stamp = f"'{fetched_at}'::timestamptz"
    insert_by_name(
        con,
        "meta.batches",
        {
            "batch_id": f"'{batch_id}'",
            "run_id": f"'{RUN_ID}'",
            "source_name": f"'{name}'",
            "source_uri": f"'{uri}'",
            "load_kind": "'full'",
            "fetched_at": stamp,
            "started_at": stamp,
            "finished_at": "current_timestamp",
            "received": str(count),
            "landed": str(count),
            "quarantined": "0",
            "stored_new": str(count),
            "superseded": "0",
            "status": "'landed'",
        },
        "select 1",
    )
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'meta' and table_name = 'fetches'"
    ).fetchone()[0]
    if exists:
        insert_by_name(
            con,
            "meta.fetches",
            {
                "run_id": f"'{RUN_ID}'",
                "source_name": f"'{name}'",
                "source_uri": f"'{uri}'",
                "attempted_at": stamp,
                "outcome": "'landed'",
                "batch_id": f"'{batch_id}'",
                "stale_after_hours": str(STALE_AFTER_HOURS.get(name, 24 * 14)),
            },
            "select 1",
        )


def compile_models(db: Path, data: Path, target: Path) -> dict:
    """`dbt compile` into a target folder of the floor's own (the project's target/ is left to the pipeline)."""
    manifest = json.loads((data / "MANIFEST.json").read_text(encoding="utf-8"))
    env = os.environ | {
        "CLUSTERSCORE_DUCKDB_PATH": str(db),
        "CLUSTERSCORE_AS_OF": manifest.get("as_of", ""),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        str(Path(sys.executable).parent / "dbt"),
        "compile",
        "--quiet",
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
        "--select",
        "resource_type:model",
        "--vars",
        json.dumps({"run_id": RUN_ID}),
    ]
    subprocess.run(command, check=True, env=env, cwd=DBT_DIR, stdout=subprocess.DEVNULL)
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def relation(node: dict) -> str:
    return f'"{node["database"]}"."{node["schema"]}"."{node.get("alias") or node["name"]}"'


def load_seeds(con: duckdb.DuckDBPyConnection, manifest: dict) -> None:
    for node in manifest["nodes"].values():
        if node["resource_type"] != "seed":
            continue
        path = Path(node["root_path"]) / node["original_file_path"]
        types = node["config"].get("column_types") or {}
        con.execute(f'create schema if not exists "{node["schema"]}"')
        options = f", types = {types!r}" if types else ""
        con.execute(
            f"create or replace table {relation(node)} as select * from read_csv('{path}', header = true{options})"
        )


def model_order(manifest: dict) -> list[dict]:
    models = {key: node for key, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    graph = {key: [d for d in node["depends_on"]["nodes"] if d in models] for key, node in models.items()}
    return [models[key] for key in graphlib.TopologicalSorter(graph).static_order()]


def run_models(con: duckdb.DuckDBPyConnection, manifest: dict, stages: Stages, staging_as: str) -> list[tuple]:
    timings = []
    for node in model_order(manifest):
        layer = node["fqn"][1] if len(node["fqn"]) > 2 else "other"
        materialized = node["config"]["materialized"]
        kind = "view" if materialized == "view" and staging_as == "view" else "table"
        con.execute(f'create schema if not exists "{node["schema"]}"')
        started = time.perf_counter()
        with stages.quiet(layer):
            con.execute(f"create or replace {kind} {relation(node)} as (\n{node['compiled_code']}\n)")
        timings.append((time.perf_counter() - started, layer, node["name"], kind))
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO_ROOT / "sample", help="a sample or national data set")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="DuckDB file (replaced)")
    parser.add_argument("--staging", choices=("table", "view"), default="table")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: DuckDB's, the cores)")
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 3GB (default: DuckDB's)")
    args = parser.parse_args()
    data, db = args.data.resolve(), args.db.resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    fetched_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    config = {}
    if args.threads:
        config["threads"] = args.threads
    if args.memory_limit:
        config["memory_limit"] = args.memory_limit
    print(f"floor on {shown(data)} -> {shown(db)}; staging as {args.staging}; {machine()}")
    stages = Stages()
    config["preserve_insertion_order"] = True  # the line numbers rely on it (DuckDB's default)
    con = duckdb.connect(str(db), config=config)
    threads, memory = con.execute("select current_setting('threads'), current_setting('memory_limit')").fetchone()
    print(f"DuckDB {duckdb.__version__}, threads {threads}, memory_limit {memory}")
    counts = ingest(con, data, stages, fetched_at)
    ingest_seconds = sum(seconds for name, seconds in stages.times.items() if name.startswith("ingest"))
    con.close()

    compile_started = time.perf_counter()
    manifest = compile_models(db, data, db.parent / "dbt_target")
    compile_seconds = time.perf_counter() - compile_started
    print(f"  (dbt compile, not timed as part of the floor: {compile_seconds:.1f} s)")

    scoring_started = time.perf_counter()
    con = duckdb.connect(str(db), config=config)
    with stages.stage("seeds"):
        load_seeds(con, manifest)
    timings = run_models(con, manifest, stages, args.staging)
    for layer in ("staging", "intermediate", "marts"):
        print(f"  {layer:<40} {stages.times.get(layer, 0.0):8.2f} s")
    scoring_seconds = time.perf_counter() - scoring_started
    marts = [
        (node["name"], con.execute(f"select count(*) from {relation(node)}").fetchone()[0])
        for node in model_order(manifest)
        if node["fqn"][1] == "marts"
    ]
    con.close()

    total = ingest_seconds + scoring_seconds
    print(f"ingest {ingest_seconds:.2f} s + scoring {scoring_seconds:.2f} s = floor {total:.2f} s")
    print(f"peak RSS {peak_rss_mib():,.0f} MiB; database file {mib(db.stat().st_size)}; {machine()}")
    print("raw rows: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
    print("mart rows: " + ", ".join(f"{name} {count:,}" for name, count in marts))
    print("slowest models:")
    for seconds, layer, name, kind in sorted(timings, reverse=True)[:8]:
        print(f"  {seconds:8.2f} s  {layer}.{name} ({kind})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
