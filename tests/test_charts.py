"""The score-history chart, written as SVG without a plotting library: what it draws, where, and what it says."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from clusterscore.site.charts import score_history

SVG = "{http://www.w3.org/2000/svg}"
BANDS = {"Gold": 80.0, "Silver": 65.0, "Bronze": 50.0}


def drawn(labels, totals):
    svg = ET.fromstring(str(score_history(labels, totals, BANDS, chart_id="h")))
    texts = [("".join(e.itertext()), e) for e in svg.iter(f"{SVG}text")]
    return svg, texts


def test_each_run_is_a_point_with_its_value_and_a_missing_total_breaks_the_line():
    labels = [f"2026-11-0{day} 02:00" for day in range(1, 6)]
    svg, texts = drawn(labels, [40.5, 62.0, None, 90.0, 91.0])
    circles = [(float(c.get("cx")), float(c.get("cy"))) for c in svg.iter(f"{SVG}circle")]
    assert len(circles) == 4
    xs = [x for x, _ in circles]
    assert xs == sorted(xs)  # left to right in run order
    by_value = dict(zip([40.5, 62.0, 90.0, 91.0], circles, strict=True))
    assert by_value[90.0][1] < by_value[62.0][1] < by_value[40.5][1]  # higher scores higher up
    values = [text for text, _ in texts]
    assert {"40.5", "62", "90", "91", "missing"} <= set(values)
    lines = [p.get("d") for p in svg.iter(f"{SVG}path") if p.get("stroke") == "#1f4e79"]
    assert len(lines) == 2 and all(d.count("L") == 1 for d in lines)  # 40.5-62 and 90-91, nothing across the gap


def test_thresholds_axis_and_labels():
    labels = [f"2026-11-{day:02d} 02:00" for day in range(1, 21)]
    svg, texts = drawn(labels, [50.0] * 20)
    values = [text for text, _ in texts]
    for level, threshold in BANDS.items():
        assert f"{level} {threshold:g} %" in values
    dashed = [p for p in svg.iter(f"{SVG}path") if p.get("stroke-dasharray")]
    assert len(dashed) == len(BANDS)
    assert {"0", "20", "40", "60", "80", "100", "Total score (%)"} <= set(values)
    dates = [e for text, e in texts if text.startswith("2026-")]
    assert 1 < len(dates) <= 6 and all(e.find(f"{SVG}tspan").text == "02:00" for e in dates)  # date over time
    title = svg.find(f"{SVG}title")
    assert svg.get("aria-labelledby") == title.get("id") == "h-title" and svg.get("role") == "img"
    assert title.text.count("50 %") == 20  # every run, also those without a tick label


def test_one_run_and_text_that_needs_escaping():
    svg, texts = drawn(["2026-11-01 02:00"], [None])
    assert [text for text, _ in texts if text == "missing"] and not list(svg.iter(f"{SVG}circle"))
    bands = {"A & <B>": 10.0}
    svg = ET.fromstring(str(score_history(["x"], [5.0], bands, chart_id="e")))  # parses: the level is escaped
    assert "A & <B> 10 %" in ["".join(e.itertext()) for e in svg.iter(f"{SVG}text")]


def test_the_heatmap_has_a_cell_per_organisation_and_category_darker_for_higher_scores():
    from clusterscore.site.charts import MISSING_COLOUR, blues, category_heatmap

    names, categories = ["Alpha & Co", "Beta"], ["Structure", "Financing", "Services"]
    svg = ET.fromstring(
        str(category_heatmap(names, categories, [[10.0, 55.5, None], [90.0, 0.0, 100.0]], chart_id="m"))
    )
    cells = [r.get("fill") for r in svg.iter(f"{SVG}rect")]
    assert cells == [blues(10.0), blues(55.5), MISSING_COLOUR, blues(90.0), blues(0.0), blues(100.0)]
    texts = {"".join(e.itertext()): e for e in svg.iter(f"{SVG}text")}
    assert {"Alpha & Co", "Beta", *categories, "10", "55.5", "missing", "90", "0", "100"} <= set(texts)
    assert texts["90"].get("fill") == "#ffffff" and texts["10"].get("fill") == "#000000"  # readable on the cell
    assert texts["missing"].get("font-style") == "italic"
    assert blues(0) == "#f7fbff" and blues(100) == "#08306b" and blues(150) == blues(100)  # matplotlib's ends
    lightness = [sum(int(blues(v)[i : i + 2], 16) for i in (1, 3, 5)) for v in range(0, 101, 10)]
    assert lightness == sorted(lightness, reverse=True)  # darker is higher
    assert svg.find(f"{SVG}title").text.startswith("Category scores in %")


def test_the_level_bars_are_as_tall_as_their_counts_with_every_level_shown():
    from clusterscore.site.charts import LEVELS, level_distribution

    svg = ET.fromstring(str(level_distribution({"Gold": 2, "Bronze": 4, "Not eligible": 1}, chart_id="l")))
    heights = [float(r.get("height")) for r in svg.iter(f"{SVG}rect")]
    assert len(heights) == len(LEVELS)
    gold, silver, bronze = heights[:3]
    assert silver == 0 and abs(bronze - 2 * gold) < 0.01
    texts = ["".join(e.itertext()) for e in svg.iter(f"{SVG}text")]
    assert set(LEVELS) <= set(texts) and {"2", "4", "1", "0", "Organisations"} <= set(texts)
    assert "Gold: 2, Silver: 0, Bronze: 4" in svg.find(f"{SVG}title").text
