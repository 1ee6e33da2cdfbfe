"""Every read the site makes from the DuckDB file, in one place; the rest of the package never sees SQL.

Rows come back as plain dicts so templates can use them directly. NULL stays None: the templates show it as
"missing", never as 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from clusterscore.landing import LATEST_BATCHES
from clusterscore.warehouse import table_type

Row = dict[str, Any]

# The latest landed batch of each source: what the latest scorecard was built from.
_LATEST_BATCHES = f"""
    select batch_id, source_name, source_uri, load_kind, timezone('UTC', fetched_at) as fetched_at_utc,
           received, landed, quarantined, run_id
    from ({LATEST_BATCHES})
"""


@dataclass
class SiteData:
    """Everything the pages show, read once so the connection is open as briefly as possible."""

    run: Row
    orgs: list[Row]
    categories: list[Row]  # scored categories in scorecard column order, with name and weight
    gates: list[Row]  # gate indicators in scorecard column order: column, indicator_id, name
    history: dict[str, list[Row]] = field(default_factory=dict)
    indicators: dict[str, list[Row]] = field(default_factory=dict)
    category_scores: dict[str, list[Row]] = field(default_factory=dict)
    discrepancies: dict[str, list[Row]] = field(default_factory=dict)
    rulebook_indicators: list[Row] = field(default_factory=list)
    rulebook_categories: list[Row] = field(default_factory=list)
    rulebook_parameters: list[Row] = field(default_factory=list)
    batches: list[Row] = field(default_factory=list)
    freshness: list[Row] = field(default_factory=list)  # per source: batch used, last read, stale and since when
    batch_totals: list[Row] = field(default_factory=list)
    quarantine_summary: list[Row] = field(default_factory=list)
    quarantine_records: list[Row] = field(default_factory=list)
    check_results: tuple[list[str], list[tuple]] | None = None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[Row]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _by_org(rows: list[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["cluster_org_id"]].append(row)
    return dict(grouped)


def load(database: Path) -> SiteData:
    """Read the latest run (and the history behind it) from `database`, opened read-only."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return _load(con)
    finally:
        con.close()


def _load(con: duckdb.DuckDBPyConnection) -> SiteData:
    if not table_type(con, "marts.scorecard"):
        raise ValueError("marts.scorecard does not exist: run `clusterscore refresh` before building the site")
    runs = _rows(
        con,
        "select run_id, rulebook_version, as_of_date, computed_at from marts.scorecard order by computed_at desc limit 1",
    )
    if not runs:
        raise ValueError("marts.scorecard is empty: no run to show")
    run = runs[0]
    run_id, version = run["run_id"], run["rulebook_version"]

    # Category and gate order follow the scorecard's columns, so the site needs no list of its own.
    columns = [r["column_name"] for r in _rows(con, "describe marts.scorecard")]
    named = {
        r["category"]: r
        for r in _rows(
            con,
            "select category, category_name, weight from rulebook.rulebook_categories where rulebook_version = ?",
            [version],
        )
    }
    categories = []
    for column in columns:
        key = column.removeprefix("score_").removesuffix("_pct")
        if column.startswith("score_") and column.endswith("_pct") and key != "change":
            meta = named.get(key, {})
            categories.append(
                {
                    "category": key,
                    "column": column,
                    "name": meta.get("category_name") or key,
                    "weight": meta.get("weight"),
                }
            )
    gate_names = {
        r["indicator_id"]: r["indicator_name"]
        for r in _rows(
            con,
            "select indicator_id, indicator_name from rulebook.rulebook_indicators where rulebook_version = ?",
            [version],
        )
    }
    gates = [{"column": c, "name": gate_names.get(c, c)} for c in columns if c.startswith("gate_")]

    orgs = _rows(
        con,
        """
        select s.*, d.business_area_name, d.legal_form_name, d.legal_form_code, d.company_status, d.programme,
               d.designated_from, d.designated_to, d.is_found_in_cvr,
               (s.is_synthetic or d.is_synthetic) as synthetic
        from marts.scorecard as s
        left join marts.dim_cluster_organisation as d using (cluster_org_id)
        where s.run_id = ?
        order by s.organisation_name, s.cluster_org_id
        """,
        [run_id],
    )
    data = SiteData(run=run, orgs=orgs, categories=categories, gates=gates)

    data.history = _by_org(
        _rows(
            con,
            """
            select cluster_org_id, run_id, rulebook_version, computed_at, readiness_level, total_score_pct,
                   score_change_pct, previous_run_id, data_coverage_pct
            from marts.scorecard order by cluster_org_id, computed_at
            """,
        )
    )
    data.indicators = _by_org(
        _rows(
            con,
            """
            select v.cluster_org_id, v.indicator_id, v.category, v.indicator_value, v.level_reached, v.points,
                   v.weight, v.evidence_count, v.evidence_source, v.data_status, v.gate_result,
                   r.indicator_name, r.description, r.unit, r.measurement, r.direction,
                   r.bronze_threshold, r.silver_threshold, r.gold_threshold
            from marts.fct_indicator_value as v
            left join rulebook.rulebook_indicators as r
                on r.indicator_id = v.indicator_id and r.rulebook_version = v.rulebook_version
            where v.run_id = ?
            order by v.cluster_org_id, r.rowid nulls last, v.indicator_id
            """,
            [run_id],
        )
    )
    data.category_scores = _by_org(
        _rows(
            con,
            """
            select cluster_org_id, category, category_weight, score_pct, coverage_pct, registry_verified_pct,
                   indicators_with_data, indicators_missing
            from marts.fct_category_score where run_id = ?
            order by cluster_org_id, category
            """,
            [run_id],
        )
    )
    data.discrepancies = _by_org(
        _rows(
            con,
            """
            select cluster_org_id, submission_year, member_cvr, discrepancy_kind, discrepancy_detail
            from marts.fct_claim_discrepancy where run_id = ?
            order by cluster_org_id, discrepancy_kind, submission_year, member_cvr
            """,
            [run_id],
        )
    )
    data.rulebook_indicators = _rows(
        con, "select * from rulebook.rulebook_indicators order by rulebook_version desc, rowid"
    )
    data.rulebook_categories = _rows(
        con, "select * from rulebook.rulebook_categories order by rulebook_version desc, rowid"
    )
    data.rulebook_parameters = _rows(
        con, "select * from rulebook.rulebook_parameters order by rulebook_version desc, rowid"
    )
    _load_quality(con, data)
    if table_type(con, "marts.fct_source_freshness"):
        data.freshness = _rows(
            con, "select * from marts.fct_source_freshness where run_id = ? order by source_name", [run_id]
        )
    return data


def _load_quality(con: duckdb.DuckDBPyConnection, data: SiteData) -> None:
    data.batches = _rows(con, _LATEST_BATCHES + " order by source_name")
    data.batch_totals = _rows(
        con,
        """
        select source_name, count(*) as batches, count(*) filter (where status = 'landed') as landed_batches,
               sum(received) as received, sum(landed) as landed, sum(quarantined) as quarantined
        from meta.batches group by source_name order by source_name
        """,
    )
    latest = f"with latest as ({_LATEST_BATCHES})"
    data.quarantine_summary = _rows(
        con,
        f"""{latest}
        select q.source_name, q.field, q.reason, count(*) as records
        from meta.quarantine as q inner join latest using (batch_id)
        group by all order by q.source_name, records desc, q.field, q.reason
        """,
    )
    # raw_text is left out on purpose: a malformed record may carry a person's name.
    data.quarantine_records = _rows(
        con,
        f"""{latest}
        select q.source_name, q.line_no, q.record_type, q.record_key, q.field, q.reason
        from meta.quarantine as q inner join latest using (batch_id)
        order by q.source_name, q.line_no, q.field
        """,
    )
    if table_type(con, "meta.check_results"):
        cursor = con.execute("select * from meta.check_results")
        data.check_results = ([d[0] for d in cursor.description], cursor.fetchall())
