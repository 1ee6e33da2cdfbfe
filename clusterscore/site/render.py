"""Turn SiteData into pages: Jinja2 templates (autoescaped), display filters and the charts each page needs."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from clusterscore.site import charts
from clusterscore.site.queries import Row, SiteData

TEMPLATES = Path(__file__).parent / "templates"
MISSING = Markup('<span class="missing">missing</span>')
NAV = [
    ("index.html", "Overview"),
    ("rulebook.html", "Rulebook"),
    ("quality.html", "Data quality"),
    ("how-to-read.html", "How to read a scorecard"),
]
# Rulebook parameters that set the score bands, by the level they open.
BAND_PARAMETERS = {
    "Gold": "level_gold_min_score_pct",
    "Silver": "level_silver_min_score_pct",
    "Bronze": "level_bronze_min_score_pct",
}
EVIDENCE_WORDS = {
    "registry": "public registry (CVR, annual reports)",
    "self-reported": "the organisation's own submission",
    "label registry": "the published label list",
}


def org_filename(cluster_org_id: str) -> str:
    """Page name of one organisation; anything but letters, digits, - and _ is replaced so it stays a plain file."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", cluster_org_id) + ".html"


def fmt_number(value: Any, digits: int = 2) -> str | Markup:
    """Up to `digits` decimals without trailing zeros; None is 'missing', never 0."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_pct(value: Any) -> str | Markup:
    return MISSING if value is None else Markup(f"{fmt_number(value)}&nbsp;%")


def fmt_change(value: Any, previous_run_id: Any = None) -> str | Markup:
    """Score change in percentage points, signed; the first run of an organisation has nothing to compare."""
    if value is None:
        return MISSING + Markup(' <span class="note">(first run)</span>') if previous_run_id is None else MISSING
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "\u00b1")
    return Markup(f"{sign}{fmt_number(abs(value))}&nbsp;pp")


def fmt_value(value: Any, unit: str | None) -> str | Markup:
    if value is None:
        return MISSING
    if unit == "yes/no":
        return "yes" if value >= 1 else "no"
    return fmt_number(value, 3)


def fmt_time(value: Any) -> str | Markup:
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fmt_thresholds(row: Row) -> str | Markup:
    """The three thresholds with the comparison the direction implies, e.g. 'Bronze ≥ 80 · Silver ≥ 90 · Gold ≥ 95'."""
    sign = "\u2264" if row.get("direction") == "lower_is_better" else "\u2265"
    parts = []
    for level in ("bronze", "silver", "gold"):
        threshold = row.get(f"{level}_threshold")
        parts.append(f"{level.title()} {sign} {fmt_number(threshold, 3) if threshold is not None else 'missing'}")
    return " \u00b7 ".join(parts)


def level_slug(level: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(level or "missing").lower()).strip("-")


def level_rank(level: Any) -> int:
    """Sort key: Gold first; unknown levels after the known ones."""
    return charts.LEVELS.index(level) if level in charts.LEVELS else len(charts.LEVELS)


def sort_value(value: Any) -> str:
    """data-sort attribute for numbers: empty for missing, so table.js can keep missing rows last."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return repr(float(value)) if isinstance(value, int | float) else str(value)


def readable_reason(reason: str | None, gate_names: dict[str, str]) -> str | None:
    """level_reason names gates by id (gate_board_triple_helix); reviewers read the gate's name instead."""
    if reason is None:
        return None
    return re.sub(r"\bgate_[a-z0-9_]+", lambda m: gate_names.get(m.group(0), m.group(0)), reason)


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a typo in a template fails the build instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        num=fmt_number,
        pct=fmt_pct,
        change=fmt_change,
        value=fmt_value,
        time=fmt_time,
        thresholds=fmt_thresholds,
        level_slug=level_slug,
        level_rank=level_rank,
        sortval=sort_value,
        org_file=org_filename,
    )
    env.globals.update(nav=NAV, missing=MISSING, evidence_words=EVIDENCE_WORDS)
    return env


def _bands(data: SiteData) -> dict[str, float]:
    version = data.run["rulebook_version"]
    values = {p["parameter"]: p["value"] for p in data.rulebook_parameters if p["rulebook_version"] == version}
    return {level: values[name] for level, name in BAND_PARAMETERS.items() if values.get(name) is not None}


def _parameter(data: SiteData, name: str) -> float | None:
    for p in data.rulebook_parameters:
        if p["rulebook_version"] == data.run["rulebook_version"] and p["parameter"] == name:
            return p["value"]
    return None


def render_site(data: SiteData, out_dir: Path, doc_links: list[tuple[str, str]]) -> list[Path]:
    """Write every page into `out_dir`; returns the files written (index.html first)."""
    env = make_environment()
    built_at = datetime.now(UTC).replace(tzinfo=None)
    synthetic = sum(1 for org in data.orgs if org["synthetic"])
    common = {
        "run": data.run,
        "built_at": built_at,
        "synthetic_count": synthetic,
        "org_count": len(data.orgs),
        "categories": data.categories,
        "gates": data.gates,
        "doc_links": doc_links,
        "stale_sources": [f for f in data.freshness if f["is_stale"]],
    }
    written: list[Path] = []

    def write(name: str, template: str, **context: Any) -> None:
        root = "../" * name.count("/")
        html = env.get_template(template).render(**common, **context, root=root, page=name)
        target = out_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        written.append(target)

    # Best level first, then highest score: the order a reviewer scans in; the table can re-sort.
    data.orgs.sort(
        key=lambda o: (
            level_rank(o["readiness_level"]),
            math.inf if o["total_score_pct"] is None else -o["total_score_pct"],
            o["cluster_org_id"],
        )
    )
    gate_names = {g["column"]: g["name"] for g in data.gates}
    for org in data.orgs:
        org["level_reason_text"] = readable_reason(org["level_reason"], gate_names)
        # No label is a fact only when the label list was read for this organisation; otherwise it is missing.
        org["label_checked"] = any(
            i["indicator_id"] == "achievements_label_level" and i["data_status"] != "missing"
            for i in data.indicators.get(org["cluster_org_id"], [])
        )
    counts = Counter(org["readiness_level"] for org in data.orgs)
    write(
        "index.html",
        "index.html",
        orgs=data.orgs,
        level_counts=[
            (level, counts.get(level, 0)) for level in charts.LEVELS + sorted(set(counts) - set(charts.LEVELS))
        ],
        levels_chart=charts.level_distribution(dict(counts)),
        categories_chart=charts.category_heatmap(
            [org["organisation_name"] or org["cluster_org_id"] for org in data.orgs],
            [c["name"] for c in data.categories],
            [[org.get(c["column"]) for c in data.categories] for org in data.orgs],
            chart_id="chart-categories",
        ),
    )
    category_names = {c["category"]: c["name"] for c in data.categories}
    bands = _bands(data)
    for org in data.orgs:
        org_id = org["cluster_org_id"]
        indicators = data.indicators.get(org_id, [])
        history = data.history.get(org_id, [])
        write(
            f"org/{org_filename(org_id)}",
            "org.html",
            org=org,
            gate_rows=[i for i in indicators if i["category"] == "gate"],
            indicator_groups=[(c, [i for i in indicators if i["category"] == c["category"]]) for c in data.categories],
            category_scores={row["category"]: row for row in data.category_scores.get(org_id, [])},
            category_names=category_names,
            missing_rows=[i for i in indicators if i["data_status"] == "missing"],
            discrepancies=data.discrepancies.get(org_id, []),
            discrepancy_kinds=Counter(d["discrepancy_kind"] for d in data.discrepancies.get(org_id, [])),
            batches=_with_age(data.batches, built_at),
            history=history,
            history_chart=charts.score_history(
                [f"{fmt_time(h['computed_at'])}" for h in history],
                [h["total_score_pct"] for h in history],
                bands,
            )
            if history
            else None,
        )
    write(
        "rulebook.html",
        "rulebook.html",
        indicators=data.rulebook_indicators,
        rule_categories=data.rulebook_categories,
        parameters=data.rulebook_parameters,
    )
    write(
        "quality.html",
        "quality.html",
        batches=_with_age(data.batches, built_at),
        batch_totals=data.batch_totals,
        quarantine_summary=data.quarantine_summary,
        quarantine_records=data.quarantine_records,
        check_results=data.check_results,
    )
    write(
        "how-to-read.html",
        "how-to-read.html",
        bands=bands,
        min_coverage=_parameter(data, "min_coverage_pct"),
        gate_indicators=[
            i
            for i in data.rulebook_indicators
            if i["category"] == "gate" and i["rulebook_version"] == data.run["rulebook_version"]
        ],
    )
    return written


def _with_age(batches: list[Row], now: datetime) -> list[Row]:
    """Each batch with its age in hours at build time (fetched_at is read as UTC)."""
    rows = []
    for batch in batches:
        fetched = batch["fetched_at_utc"]
        age = None if fetched is None else round((now - fetched).total_seconds() / 3600, 1)
        rows.append({**batch, "age_hours": age})
    return rows
