"""Charts drawn server-side with matplotlib as inline SVG: they need no JavaScript and carry their own title.

Every chart returns SVG markup ready to place in a page. The page also shows the same numbers in a table, so a
reader who cannot see the chart loses nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display on servers; SVG output only

import matplotlib.pyplot as plt
import numpy as np
from markupsafe import Markup, escape

# Readiness levels best first; the order the rulebook's scorecard assigns them in.
LEVELS = ["Gold", "Silver", "Bronze", "None", "Not eligible", "Insufficient data"]
LEVEL_COLOURS = {
    "Gold": "#b8860b",
    "Silver": "#7d8791",
    "Bronze": "#a0522d",
    "None": "#b9b9b9",
    "Not eligible": "#b03a2e",
    "Insufficient data": "#6c5b7b",
}

_RC = {
    "svg.fonttype": "none",  # real <text>: searchable, selectable and read by screen readers
    "svg.hashsalt": "clusterscore-site",  # stable ids, so a rebuild of the same data gives the same files
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _finish(fig, chart_id: str, title: str, margins: dict[str, float] | None = None) -> Markup:
    """Serialise `fig` as inline SVG with its own ids and an accessible name (role="img" + <title>). With
    `margins` (figure fractions, for a chart whose labels are known to fit them) the figure is drawn once;
    without, twice, the first time to find the bounding box of everything drawn."""
    buffer = io.StringIO()
    if margins:
        fig.subplots_adjust(**margins)
    with matplotlib.rc_context(_RC):  # the SVG settings are read when saving (outside it, text became glyph paths)
        fig.savefig(buffer, format="svg", bbox_inches=None if margins else "tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE: not allowed inside HTML
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    # Two charts on one page would otherwise share matplotlib's ids (figure_1, clip paths): prefix them all.
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{chart_id}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{chart_id}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{chart_id}-\1"', svg)
    opening_end = svg.index(">") + 1
    opening = svg[:opening_end].replace(
        "<svg ", f'<svg id="{chart_id}" role="img" aria-labelledby="{chart_id}-title" class="chart" ', 1
    )
    title_element = f'<title id="{chart_id}-title">{escape(title)}</title>'
    return Markup(opening + title_element + svg[opening_end:])


def level_distribution(counts: dict[str, int], chart_id: str = "chart-levels") -> Markup:
    """Bar chart of how many organisations reached each readiness level (every level shown, zeros too)."""
    levels = LEVELS + sorted(set(counts) - set(LEVELS))
    values = [counts.get(level, 0) for level in levels]
    with matplotlib.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(6.4, 3.0))
        bars = ax.bar(levels, values, color=[LEVEL_COLOURS.get(level, "#4a6fa5") for level in levels])
        ax.bar_label(bars, labels=[str(v) for v in values], padding=2)
        ax.set_ylabel("Organisations")
        ax.set_ylim(0, max([*values, 1]) * 1.2)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(axis="x", labelrotation=15)
    described = ", ".join(f"{level}: {value}" for level, value in zip(levels, values, strict=True))
    return _finish(fig, chart_id, f"Organisations per readiness level. {described}.")


def category_heatmap(
    names: Sequence[str], categories: Sequence[str], scores: Sequence[Sequence[float | None]], chart_id: str
) -> Markup:
    """Organisations x categories, each cell the category score in %; a missing score is drawn as 'missing'."""
    matrix = np.array([[np.nan if v is None else v for v in row] for row in scores], dtype=float)
    with matplotlib.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(8.0, 0.42 * len(names) + 1.6))
        cmap = plt.get_cmap("Blues").copy()
        cmap.set_bad("#eeeeee")
        ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, vmin=0, vmax=100, aspect="auto")
        for (row, col), value in np.ndenumerate(matrix):
            missing = np.isnan(value)
            ax.text(
                col,
                row,
                "missing" if missing else f"{value:g}",
                ha="center",
                va="center",
                fontsize=9,
                color="#000000" if missing or value < 60 else "#ffffff",
                fontstyle="italic" if missing else "normal",
            )
        ax.set_xticks(range(len(categories)), labels=list(categories), rotation=20, ha="right")
        ax.set_yticks(range(len(names)), labels=list(names))
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.xaxis.tick_top()
        ax.set_xticklabels(list(categories), rotation=20, ha="left")
    return _finish(
        fig, chart_id, "Category scores in % per organisation; darker is higher. The table below has the same numbers."
    )


def score_history(
    labels: Sequence[str],
    totals: Sequence[float | None],
    bands: dict[str, float],
    chart_id: str = "chart-history",
) -> Markup:
    """Total score over runs, with the rulebook's level thresholds as dashed lines."""
    x = np.arange(len(labels))
    y = np.array([np.nan if v is None else v for v in totals], dtype=float)
    with matplotlib.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(6.4, 3.0))
        for level, threshold in sorted(bands.items(), key=lambda item: -item[1]):
            ax.axhline(threshold, color=LEVEL_COLOURS.get(level, "#888888"), linestyle="--", linewidth=1)
            ax.annotate(
                f"{level} {threshold:g} %",
                (1, threshold),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        ax.plot(x, y, marker="o", color="#1f4e79")
        for xi, yi in zip(x, y, strict=True):
            ax.annotate(
                "missing" if np.isnan(yi) else f"{yi:g}",
                (xi, 0 if np.isnan(yi) else yi),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
        # Centred under its point, date over time, at most six: the labels stay inside the fixed margins below and
        # apart (every run is in the table under the chart).
        step = -(-len(labels) // 6)
        ax.set_xticks(x[::step], labels=[label.replace(" ", "\n", 1) for label in labels[::step]])
        ax.set_xlim(-0.5, max(len(labels) - 0.5, 0.5))
        ax.set_ylim(0, 105)
        ax.set_ylabel("Total score (%)")
    points = ", ".join(
        f"{label}: {'missing' if total is None else f'{total:g} %'}"
        for label, total in zip(labels, totals, strict=True)
    )
    # The one chart per organisation page (100 national): fixed margins draw it once (~30 ms instead of ~50 ms).
    margins = {"left": 0.12, "right": 0.86, "bottom": 0.2, "top": 0.95}
    return _finish(fig, chart_id, f"Total score per run. {points}.", margins)
