"""Charts as inline SVG, written directly: they need no JavaScript and carry their own title (role="img").

Every chart returns SVG markup ready to place in a page. The page also shows the same numbers in a table, so a
reader who cannot see the chart loses nothing. They were drawn with matplotlib until 2026-12-05; written here each
takes a few milliseconds at most, where matplotlib took ~25 ms a score history and 0.84 s for the national index's
heatmap, and a nightly publish no longer imports it (0.5 s; bench/README.md). Sizes are in SVG units, 100 to the
inch of the matplotlib figures they replace, and the colours are matplotlib's.
"""

from __future__ import annotations

from collections.abc import Sequence

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
_FONT = 'font-family="DejaVu Sans, Verdana, Arial, sans-serif"'
_AXIS = 'stroke="#000000" stroke-width="0.8"'
# matplotlib's "Blues" colour map: ColorBrewer's nine blues, light to dark, interpolated linearly.
_BLUES = ("f7fbff", "deebf7", "c6dbef", "9ecae1", "6baed6", "4292c6", "2171b5", "08519c", "08306b")
MISSING_COLOUR = "#eeeeee"


def _svg(chart_id: str, width: float, height: float, title: str, drawn: Sequence[str]) -> Markup:
    """The chart's element: its id, size, an accessible name (role="img" + <title>) and what it draws."""
    return Markup(
        f'<svg id="{chart_id}" role="img" aria-labelledby="{chart_id}-title" class="chart" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
        f'{_FONT}><title id="{chart_id}-title">{escape(title)}</title>' + "".join(drawn) + "</svg>"
    )


def blues(value: float) -> str:
    """The colour of `value` (0-100, clipped) on the Blues map."""
    position = min(max(value, 0.0), 100.0) / 100 * (len(_BLUES) - 1)
    index = min(int(position), len(_BLUES) - 2)
    low, high = (tuple(int(code[i : i + 2], 16) for i in (0, 2, 4)) for code in _BLUES[index : index + 2])
    share = position - index
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(low, high, strict=True))


def _text_width(text: str, size: float) -> float:
    """A generous estimate of `text`'s width at font size `size` (DejaVu Sans averages ~0.6 em a character)."""
    return 0.62 * size * len(text)


def level_distribution(counts: dict[str, int], chart_id: str = "chart-levels") -> Markup:
    """Bar chart of how many organisations reached each readiness level (every level shown, zeros too)."""
    levels = LEVELS + sorted(set(counts) - set(LEVELS))
    values = [counts.get(level, 0) for level in levels]
    width, height = 640, 300
    left, right, top, bottom = 60, 625, 12, 235
    y_max = max([*values, 1]) * 1.2
    step = max(1, -(-int(y_max) // 5))  # whole organisations, about five ticks

    def y_of(value: float) -> float:
        return bottom - value / y_max * (bottom - top)

    drawn = [f'<path d="M{left} {top}V{bottom}H{right}" fill="none" {_AXIS}/>']
    for tick in range(0, int(y_max) + 1, step):
        y = y_of(tick)
        drawn.append(f'<path d="M{left - 3.5} {y:.2f}H{left}" {_AXIS}/>')
        drawn.append(f'<text x="{left - 6}" y="{y + 3.5:.2f}" text-anchor="end" font-size="10">{tick}</text>')
    drawn.append(
        f'<text transform="translate(18 {(top + bottom) / 2:.2f}) rotate(-90)" text-anchor="middle" font-size="10">'
        "Organisations</text>"
    )
    slot = (right - left) / len(levels)
    for index, (level, value) in enumerate(zip(levels, values, strict=True)):
        centre, y = left + slot * (index + 0.5), y_of(value)
        drawn.append(
            f'<rect x="{centre - slot * 0.4:.2f}" y="{y:.2f}" width="{slot * 0.8:.2f}" height="{bottom - y:.2f}" '
            f'fill="{LEVEL_COLOURS.get(level, "#4a6fa5")}"/>'
        )
        drawn.append(f'<text x="{centre:.2f}" y="{y - 4:.2f}" text-anchor="middle" font-size="10">{value}</text>')
        drawn.append(f'<path d="M{centre:.2f} {bottom}V{bottom + 3.5}" {_AXIS}/>')
        drawn.append(
            f'<text transform="translate({centre + 10:.2f} {bottom + 15}) rotate(-15)" text-anchor="end" '
            f'font-size="10">{escape(level)}</text>'
        )
    described = ", ".join(f"{level}: {value}" for level, value in zip(levels, values, strict=True))
    return _svg(chart_id, width, height, f"Organisations per readiness level. {described}.", drawn)


def category_heatmap(
    names: Sequence[str], categories: Sequence[str], scores: Sequence[Sequence[float | None]], chart_id: str
) -> Markup:
    """Organisations x categories, each cell the category score in %, darker is higher; a missing score is
    'missing' on grey."""
    row_height, column_width = 42, 110
    left = 12 + max([_text_width(name, 10) for name in names] + [40])
    label = max([_text_width(category, 10) for category in categories] + [0])  # column labels, rotated 20 degrees
    top = 28 + label * 0.34  # sin 20
    width = left + column_width * (len(categories) - 0.5) + max(label * 0.94, column_width / 2) + 12  # cos 20
    height = top + row_height * len(names) + 12
    drawn = [
        f'<text transform="translate({left + column_width * (column + 0.5) - 6:.2f} {top - 6:.2f}) rotate(-20)" '
        f'font-size="10">{escape(category)}</text>'
        for column, category in enumerate(categories)
    ]
    for row, (name, values) in enumerate(zip(names, scores, strict=True)):
        y = top + row_height * row
        drawn.append(
            f'<text x="{left - 6:.2f}" y="{y + row_height / 2 + 3.5:.2f}" text-anchor="end" font-size="10">'
            f"{escape(name)}</text>"
        )
        for column, value in enumerate(values):
            x = left + column_width * column
            fill = MISSING_COLOUR if value is None else blues(value)
            drawn.append(f'<rect x="{x:.2f}" y="{y}" width="{column_width}" height="{row_height}" fill="{fill}"/>')
            shown = (
                ' fill="#000000" font-style="italic">missing'
                if value is None
                else f' fill="{"#000000" if value < 60 else "#ffffff"}">{value:g}'
            )
            drawn.append(
                f'<text x="{x + column_width / 2:.2f}" y="{y + row_height / 2 + 3:.2f}" text-anchor="middle" '
                f'font-size="9"{shown}</text>'
            )
    return _svg(
        chart_id,
        width,
        height,
        "Category scores in % per organisation; darker is higher. The table below has the same numbers.",
        drawn,
    )


# The score-history chart, one per organisation page (100 a national run, every run). Its size and margins are
# those matplotlib drew it with (6.4 x 3 inches, margins 0.12 / 0.86 / 0.2 / 0.95).
_HISTORY_SIZE = (640, 300)
_HISTORY_PLOT = (77, 550, 15, 240)  # left, right, top, bottom in SVG units


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

    drawn = [f'<path d="M{left} {top}V{bottom}H{right}" fill="none" {_AXIS}/>']
    for tick in range(0, 101, 20):
        y = y_of(tick)
        drawn.append(f'<path d="M{left - 3.5} {y:.2f}H{left}" {_AXIS}/>')
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
        drawn.append(f'<path d="M{x:.2f} {bottom}V{bottom + 3.5}" {_AXIS}/>')
        drawn.append(
            f'<text x="{x:.2f}" y="{bottom + 15}" text-anchor="middle" font-size="10">{escape(date)}'
            + (f'<tspan x="{x:.2f}" dy="12">{escape(clock)}</tspan>' if clock else "")
            + "</text>"
        )
    described = ", ".join(
        f"{label}: {'missing' if total is None else f'{total:g} %'}"
        for label, total in zip(labels, totals, strict=True)
    )
    return _svg(chart_id, width, height, f"Total score per run. {described}.", drawn)
