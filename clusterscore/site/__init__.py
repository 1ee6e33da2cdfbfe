"""The static scorecard site: plain HTML, CSS, inline SVG charts and a little optional JavaScript.

Reviewers open it from disk (file://) or through `clusterscore serve`; every link is relative, so both work.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from clusterscore.site import queries, render

STATIC = Path(__file__).parent / "static"
MARKER = ".clusterscore-site"  # marks a folder this module built, and so may replace
# Generated documentation a release carries inside its site, by folder name (each has an index.html).
DOC_LABELS = {
    "dbt-docs": "Model documentation and lineage of this run (dbt docs)",
    "data-docs": "Data-quality validation results of this run (Great Expectations Data Docs)",
    "lineage": "Column lineage of the published scorecard",
}


def build_site(database: Path | queries.SiteData, out_dir: Path, docs: dict[str, Path] | None = None) -> Path:
    """Build the site for the latest run in `database` (opened read-only) into `out_dir`; returns index.html.
    `database` may also be what `queries.load` read from it: the database is then free again while the pages are
    rendered (publish writes the rest of the release meanwhile).

    `docs` maps a folder name of DOC_LABELS to a folder of generated documentation, copied in and linked.

    The site is written to a sibling folder first and swapped in at the end: a reader (or `serve`) never sees a
    half-written site, and pages of organisations no longer scored do not linger.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise FileExistsError(f"{out_dir} holds files this site builder did not write; choose an empty folder")
    data = database if isinstance(database, queries.SiteData) else queries.load(Path(database))

    staging = out_dir.with_name(f".{out_dir.name}.building")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    shutil.copytree(STATIC, staging / "static")
    doc_links = []
    for name, folder in (docs or {}).items():
        shutil.copytree(folder, staging / name)
        doc_links.append((f"{name}/index.html", DOC_LABELS[name]))
    render.render_site(data, staging, doc_links)
    (staging / MARKER).write_text("Built by clusterscore.site.build_site; the whole folder is replaced on rebuild.\n")

    if out_dir.exists():
        retired = out_dir.with_name(f".{out_dir.name}.old")
        if retired.exists():
            shutil.rmtree(retired)
        out_dir.rename(retired)
        staging.rename(out_dir)
        shutil.rmtree(retired)
    else:
        staging.rename(out_dir)
    return out_dir / "index.html"


__all__ = ["build_site"]
