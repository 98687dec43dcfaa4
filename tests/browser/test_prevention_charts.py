"""Every chart of the prevention dashboard is readable at 375 and at 1280 px, in a real browser.

Readable here means: no chart taller than ``MAX_HEIGHT`` however many rows it has, a value axis
that starts at zero and ends a little above the largest upper bound drawn (a share never past
100%), axis labels that stay inside the chart and never lie on top of each other, and tables
that scroll in a box of their own instead of running on for metres.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashboards.charts import MAX_HEIGHT
from registry.accounts import Role
from tests.browser.helpers import SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser

PAGES = [("/dashboard/", "trends"), ("/dashboard/eenheden", "units"),
         ("/dashboard/vergelijking", "benchmarks"), ("/dashboard/opvolging", "follow-up")]
WIDTHS = (375, 1280)
# The axis may end a little above the largest upper bound, never a multiple of it.
MAX_HEADROOM = 1.25
TABLE_BOX = 32 * 16 + 2  # .table-scroll { max-height: 32rem } and its border

# For every chart: its height, its axes as plotly drew them, and the boxes of its tick labels.
DRAWN = """canvas => {
  const layout = canvas._fullLayout;
  const box = canvas.getBoundingClientRect();
  const ticks = axis => Array.from(canvas.querySelectorAll('.' + axis + 'tick text'))
    .map(t => t.getBoundingClientRect())
    .filter(r => r.width > 0)
    .map(r => [r.left - box.left, r.top - box.top, r.right - box.left, r.bottom - box.top]);
  const axis = a => ({type: a.type, range: a.range, visible: a.showticklabels});
  return {height: box.height, width: box.width, x: axis(layout.xaxis), y: axis(layout.yaxis),
          xticks: ticks('x'), yticks: ticks('y')};
}"""


def upper_bounds(figure: dict[str, Any]) -> tuple[str | None, list[float]]:
    """Which axis carries the values, and every upper bound (or value) drawn on it."""
    highs: list[float] = []
    axis = None
    for trace in figure["data"]:
        if trace["type"] == "heatmap":
            continue
        if trace.get("orientation") == "h":
            axis = "x"
            errors = trace.get("error_x", {}).get("array") or [0.0] * len(trace["x"])
            highs += [x + e for x, e in zip(trace["x"], errors, strict=True) if x is not None]
        else:
            axis = "y"
            highs += [y for y in trace["y"] if y is not None]
    return axis, highs


def overlapping(boxes: list[list[float]]) -> list[tuple[list[float], list[float]]]:
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1:
                out.append((a, b))
    return out


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path,name", PAGES)
def test_every_chart_is_bounded_with_sensible_axes_and_labels_apart(open_page, path, name,
                                                                      width):
    page = open_page(Role.PREVENTION_OFFICER, width=width)
    assert page.goto(path).status == 200
    page.wait_for_selector(".chart-canvas svg.main-svg")
    charts = page.locator("section.chart")
    assert charts.count() >= 1
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.chart-canvas'))
        .every(c => c._fullLayout && c.querySelector('svg.main-svg')
                    && c.getBoundingClientRect().height >= c._fullLayout.height - 2)""")
    for index in range(charts.count()):
        chart = charts.nth(index)
        key = chart.get_attribute("aria-labelledby")
        figure = json.loads(chart.locator("script[type='application/json']").text_content())
        drawn = chart.locator(".chart-canvas").evaluate(DRAWN)
        where = f"{path} {key} at {width} px"
        assert drawn["height"] <= MAX_HEIGHT + 2, f"{where}: {drawn['height']} px tall"
        axis, highs = upper_bounds(figure)
        if axis is not None:
            low, high = drawn[axis]["range"]
            top = max(highs, default=0.0)
            assert low >= 0, f"{where}: the axis starts below zero ({low})"
            assert top <= high + 1e-6, f"{where}: {top} is off the axis ending at {high}"
            assert high <= max(top * MAX_HEADROOM, 1.0), f"{where}: axis to {high}, top {top}"
            title = figure["layout"][f"{axis}axis"].get("title", {}).get("text", "")
            if "%" in title:
                assert high <= 100, f"{where}: a share axis to {high}%"
        for ticks in ("xticks", "yticks"):
            boxes = drawn[ticks]
            assert not overlapping(boxes), f"{where}: {ticks} labels lie on each other"
            for left, top_, right, bottom in boxes:
                assert left >= -1 and right <= drawn["width"] + 1, f"{where}: {ticks} cut off"
                assert top_ >= -1 and bottom <= drawn["height"] + 1, f"{where}: {ticks} cut off"
        # Each chart on its own as well: a full-page capture can catch a heat map mid-paint.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        chart.locator(".chart-canvas").screenshot(
            path=str(SCREENSHOTS / f"dashboard-chart-{key.removeprefix('titel-')}-{width}.png"))
        table = chart.locator(".table-scroll").bounding_box()
        assert table is not None and table["height"] <= TABLE_BOX, f"{where}: table too long"
    screenshot(page, f"dashboard-charts-{name}-{width}")


def test_charts_keep_their_height_when_the_window_changes_size(open_page):
    # A phone turned or a window made narrower: the charts are drawn again at the new width,
    # each at its own height (plotly's responsive mode let them fall to the box's minimum).
    page = open_page(Role.PREVENTION_OFFICER, width=1280)
    assert page.goto("/dashboard/eenheden").status == 200
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.chart-canvas'))
        .every(c => c._fullLayout && c.querySelector('svg.main-svg'))""")
    heights = page.evaluate("""() => Array.from(document.querySelectorAll('.chart-canvas'))
        .map(c => c.getBoundingClientRect().height)""")
    assert max(heights) > 400
    for width in (900, 375):
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_function(f"""() => Array.from(document.querySelectorAll('.chart-canvas'))
            .every(c => Math.abs(c._fullLayout.width - c.clientWidth) < 2
                        && c.clientWidth <= {width})""")
        after = page.evaluate("""() => Array.from(document.querySelectorAll('.chart-canvas'))
            .map(c => [c.getBoundingClientRect().height, c._fullLayout.height])""")
        for drawn, wanted in after:
            assert wanted > 300 and abs(drawn - 2 - wanted) <= 2, (width, after)
    screenshot(page, "dashboard-units-after-resize-375")


# The demo ministry's seven DGs; the test organisation has too few to show the heat map.
DGS = ["DG Strategie en Kennis (BFZ-DG1)", "DG Dienstverlening (BFZ-DG2)",
       "DG Handhaving (BFZ-DG3)", "DG Beleid (BFZ-DG4)", "DG Uitvoering (BFZ-DG5)",
       "DG Toezicht (BFZ-DG6)", "Rest van Ministerie van Belastingen en Financiële Zaken (BFZ)"]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_heat_map_column_headers_stay_apart_with_seven_dgs(open_page, width):
    # The walkthrough's heat map at 375 px: seven DG names on top of each other.
    from dashboards.charts import heatmap_figure

    categories = ["Pesten", "Intimidatie", "Agressie door burgers of externen", "Werkdruk"]
    figure = heatmap_figure(categories, DGS, [[1.0] * len(DGS) for _ in categories],
                            [["12 ⚑"] * len(DGS) for _ in categories], value_title="zaken")
    # Opened at another width (the canvas stops growing at main's 72rem), then resized to it.
    page = open_page(Role.PREVENTION_OFFICER, width=800 if width > 800 else width + 40)
    assert page.goto("/dashboard/eenheden").status == 200
    page.wait_for_selector(".chart-canvas svg.main-svg")
    # The first chart's figure becomes the heat map; dashboard.js draws it again on a resize.
    page.evaluate("""figure => {
        const canvas = document.querySelector('.chart-canvas');
        document.getElementById(canvas.getAttribute('data-figure')).textContent =
            JSON.stringify(figure);
    }""", figure)
    page.set_viewport_size({"width": width, "height": 800})
    page.wait_for_function("""() => {
        const canvas = document.querySelector('.chart-canvas');
        return canvas._fullLayout && canvas.querySelector('.heatmaplayer')
               && canvas.getAttribute('data-width') === String(canvas.clientWidth);
    }""")
    drawn = page.locator(".chart-canvas").first.evaluate(DRAWN)
    assert len(drawn["xticks"]) == len(DGS)
    assert not overlapping(drawn["xticks"]), f"at {width} px the DG headers lie on each other"
    for left, top, right, _bottom in drawn["xticks"]:
        assert left >= -1 and right <= drawn["width"] + 1 and top >= -1
    assert drawn["height"] <= MAX_HEIGHT + 2
    page.locator(".chart-canvas").first.screenshot(
        path=str(SCREENSHOTS / f"dashboard-chart-heat-map-seven-dgs-{width}.png"))
