"""The static scorecard site: plain HTML, CSS, inline SVG charts and a little optional JavaScript.

Reviewers open it from disk (file://) or through `clusterscore serve`; every link is relative, so both work.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from clusterscore.site import queries, render

STATIC = Path(__file__).parent / "static"
MARKER = ".clusterscore-site"  # marks a folder this module built, and so may replace
GX_DOCS = Path("gx") / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def build_site(database: Path, out_dir: Path) -> Path:
    """Build the site for the latest run in `database` (opened read-only) into `out_dir`; returns index.html.

    The site is written to a sibling folder first and swapped in at the end: a reader (or `serve`) never sees a
    half-written site, and pages of organisations no longer scored do not linger.
    """
    database, out_dir = Path(database), Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise FileExistsError(f"{out_dir} holds files this site builder did not write; choose an empty folder")
    data = queries.load(database)

    staging = out_dir.with_name(f".{out_dir.name}.building")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    shutil.copytree(STATIC, staging / "static")
    # The default home keeps the DuckDB file beside gx/, so the Data Docs can be pointed at when they exist.
    gx_hint = {"relative": GX_DOCS.as_posix(), "exists": (database.parent / GX_DOCS).exists()}
    render.render_site(data, staging, gx_hint)
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
