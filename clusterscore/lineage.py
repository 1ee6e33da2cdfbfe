"""Column lineage of the published scorecard: which columns of which models each scorecard column comes from,
down to the raw landing tables.

dagster-dbt computes each model's column lineage from its compiled SQL (sqlglot) and records it on the model's
materialisation as `dagster/column_lineage`; this module walks those records upstream from the scorecard and
renders the result as a page the site links to.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from jinja2 import Environment, select_autoescape


def _direct(instance: dg.DagsterInstance, key: dg.AssetKey) -> dict[str, list[tuple[str, str]]] | None:
    event = instance.get_latest_materialization_event(key)
    value = event.asset_materialization.metadata.get("dagster/column_lineage") if event else None
    if value is None:
        return None
    return {
        column: [(dep.asset_key.to_user_string(), dep.column_name) for dep in deps]
        for column, deps in value.value.deps_by_column.items()
    }


def column_lineage(instance: dg.DagsterInstance, key: dg.AssetKey) -> dict:
    """{"asset": key, "columns": {column: {"edges": [[from, to], ...], "origins": [...]}}} where from/to are
    "asset/path.column" and origins are the columns reached that have no recorded lineage of their own."""
    known: dict[str, dict | None] = {}

    def direct(asset: str):
        if asset not in known:
            known[asset] = _direct(instance, dg.AssetKey.from_user_string(asset))
        return known[asset]

    start = key.to_user_string()
    columns = {}
    for column in sorted(direct(start) or {}):
        edges, origins, queue, seen = [], set(), [(start, column)], set()
        while queue:
            asset, name = queue.pop()
            if (asset, name) in seen:
                continue
            seen.add((asset, name))
            lineage = direct(asset)
            parents = (lineage or {}).get(name, [])
            if not parents and (asset, name) != (start, column):
                origins.add(f"{asset}.{name}")
            for parent_asset, parent_column in parents:
                edges.append([f"{parent_asset}.{parent_column}", f"{asset}.{name}"])
                queue.append((parent_asset, parent_column))
        columns[column] = {"edges": sorted(edges), "origins": sorted(origins)}
    return {"asset": start, "columns": columns}


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Column lineage of {{ asset }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:1rem auto;padding:0 1rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
code{font-size:.9em}</style></head>
<body><p><a href="../index.html">Back to the scorecards</a></p>
<h1>Column lineage of <code>{{ asset }}</code></h1>
<p>For each published column: the model columns it is computed from (edges, from upstream to downstream), and
the columns where the trail ends (origins: staging columns read from raw landing payloads, seeds of the rulebook
and reference data). Computed by dagster-dbt with sqlglot from this run's compiled SQL.</p>
{% if not columns %}<p>No column lineage was recorded for this run.</p>{% endif %}
{% for column, trail in columns.items() %}
<section id="{{ column }}"><h2><code>{{ column }}</code></h2>
<table><caption>Where <code>{{ column }}</code> comes from</caption>
<thead><tr><th scope="col">From</th><th scope="col">To</th></tr></thead><tbody>
{% for source, target in trail.edges %}<tr><td><code>{{ source }}</code></td><td><code>{{ target }}</code></td></tr>
{% else %}<tr><td colspan="2">Computed in the model itself (no input column).</td></tr>{% endfor %}
</tbody></table>
<p>Origins: {% for origin in trail.origins %}<code>{{ origin }}</code>{{ ", " if not loop.last }}{% else %}none{% endfor %}</p>
</section>
{% endfor %}
</body></html>
"""


def lineage_page(lineage: dict, folder: Path) -> Path:
    """Write the lineage as `folder/index.html`; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    html = Environment(autoescape=select_autoescape(default=True)).from_string(PAGE).render(**lineage)
    (folder / "index.html").write_text(html, encoding="utf-8")
    return folder
