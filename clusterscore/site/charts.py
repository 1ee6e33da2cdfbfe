"""Charts as inline SVG, drawn server-side: they need no JavaScript and carry their own title (role="img").

The two charts of the index page are drawn with matplotlib; the score history on every organisation page is
written as SVG directly (`score_history`), since there is one per organisation and run. Every chart returns SVG
markup ready to place in a page. The page also shows the same numbers in a table, so a reader who cannot see the
chart loses nothing.
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


# The score-history chart, one per organisation page (100 a national run, every run), is written as SVG directly:
# drawn with matplotlib it took ~25 ms a chart, most of a nightly publish's Python time; this takes well under 1 ms.
# Its size and margins are those matplotlib drew it with (6.4 x 3 inches, margins 0.12 / 0.86 / 0.2 / 0.95).
_HISTORY_SIZE = (640, 300)
_HISTORY_PLOT = (77, 550, 15, 240)  # left, right, top, bottom in SVG units
_FONT = 'font-family="DejaVu Sans, Verdana, Arial, sans-serif"'


def score_history(
    labels: Sequence[str],
    totals: Sequence[float | None],
    bands: dict[str, float],
    chart_id: str = "chart-history",
) -> Markup:
    """Total score over runs (a point and its value per run, the line broken where a total is missing), with the
    rulebook's level thresholds as dashed lines."""
    width, height = _HISTORY_SIZE
    left, right, top, bottom = _HISTORY_PLOT
    x_max = max(len(labels) - 0.5, 0.5)

    def x_of(index: float) -> float:
        return left + (index + 0.5) / (x_max + 0.5) * (right - left)

    def y_of(value: float) -> float:
        return bottom - value / 105 * (bottom - top)

    drawn = [f'<path d="M{left} {top}V{bottom}H{right}" fill="none" stroke="#000000" stroke-width="0.8"/>']
    for tick in range(0, 101, 20):
        y = y_of(tick)
        drawn.append(f'<path d="M{left - 3.5} {y:.2f}H{left}" stroke="#000000" stroke-width="0.8"/>')
        drawn.append(f'<text x="{left - 6}" y="{y + 3.5:.2f}" text-anchor="end" font-size="10">{tick}</text>')
    drawn.append(
        f'<text transform="translate(24 {(top + bottom) / 2:.2f}) rotate(-90)" text-anchor="middle" font-size="10">'
        "Total score (%)</text>"
    )
    for level, threshold in sorted(bands.items(), key=lambda item: -item[1]):
        y, colour = y_of(threshold), LEVEL_COLOURS.get(level, "#888888")
        drawn.append(
            f'<path d="M{left} {y:.2f}H{right}" stroke="{colour}" stroke-width="1" stroke-dasharray="3.7 1.6"/>'
        )
        drawn.append(f'<text x="{right + 5}" y="{y + 3:.2f}" font-size="8">{escape(level)} {threshold:g} %</text>')
    points = [(x_of(i), None if total is None else y_of(total), total) for i, total in enumerate(totals)]
    runs, run = [], []  # the line's pieces between missing totals
    for x, y, _ in points:
        if y is None:
            runs.append(run)
            run = []
        else:
            run.append(f"{x:.2f} {y:.2f}")
    runs.append(run)
    for piece in (r for r in runs if len(r) > 1):
        drawn.append(f'<path d="M{"L".join(piece)}" fill="none" stroke="#1f4e79" stroke-width="1.5"/>')
    for x, y, total in points:
        if y is None:
            drawn.append(f'<text x="{x:.2f}" y="{bottom - 6:.2f}" text-anchor="middle" font-size="8">missing</text>')
        else:
            drawn.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="3" fill="#1f4e79"/>')
            drawn.append(f'<text x="{x:.2f}" y="{y - 6:.2f}" text-anchor="middle" font-size="8">{total:g}</text>')
    # Centred under its point, date over time, at most six: the labels stay inside the margins and apart (every
    # run is in the table under the chart).
    for index in range(0, len(labels), -(-len(labels) // 6) or 1):
        x = x_of(index)
        date, _, clock = labels[index].partition(" ")
        drawn.append(f'<path d="M{x:.2f} {bottom}V{bottom + 3.5}" stroke="#000000" stroke-width="0.8"/>')
        drawn.append(
            f'<text x="{x:.2f}" y="{bottom + 15}" text-anchor="middle" font-size="10">{escape(date)}'
            + (f'<tspan x="{x:.2f}" dy="12">{escape(clock)}</tspan>' if clock else "")
            + "</text>"
        )
    described = ", ".join(
        f"{label}: {'missing' if total is None else f'{total:g} %'}"
        for label, total in zip(labels, totals, strict=True)
    )
    return Markup(
        f'<svg id="{chart_id}" role="img" aria-labelledby="{chart_id}-title" class="chart" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" {_FONT}>'
        f'<title id="{chart_id}-title">{escape(f"Total score per run. {described}.")}</title>'
        + "".join(drawn)
        + "</svg>"
    )
