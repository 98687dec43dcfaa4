"""Plotly figures for the charts (``dashboards.charts.table.Chart``): lines, heat maps, intervals.

Figures are built as dicts rather than ``plotly.graph_objects`` because validating every trace
costs tens of milliseconds per page; the tests feed each figure through ``go.Figure`` instead,
so a wrong attribute still fails there. Every chart reads without colour: each series has its
own line dash and marker symbol and a text label, heat map cells carry their number and marks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analytics.intervals import nl_number
from analytics.reading import TOO_UNCERTAIN, Reading
from dashboards.charts.table import Figure, plotly_text

# Rijkshuisstijl-like colours, each at least 3:1 against white; never the only difference.
COLOURS = ("#154273", "#ca005d", "#39870c", "#42145f", "#94710a", "#01689b", "#a90000",
           "#275937", "#673327", "#535353")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross",
           "triangle-down", "hexagon", "pentagon")
FONT = {"family": "Verdana, Arial, sans-serif", "size": 13, "color": "#1a1a1a"}
# Readable at 375 and at 1280 px: no chart taller than a laptop screen and a bit, however many
# rows (the taxonomy's categories are the most any chart here has); rows never thinner than a
# line of text with its label.
MAX_HEIGHT = 1000
MIN_HEIGHT = 260  # the canvas's min-height in dashboard.css
ROW_HEIGHT = 60
MIN_ROW_HEIGHT = 32
# The value axis ends a little above the largest upper bound drawn, never far beyond it.
HEADROOM = 1.08


@dataclass(frozen=True)
class Series:
    """One line with its 95% interval per point."""

    name: str
    x: Sequence[str]
    y: Sequence[float]
    lower: Sequence[float]
    upper: Sequence[float]


def _texts(values: Sequence[str]) -> list[str]:
    return [plotly_text(value) for value in values]


def style(index: int) -> tuple[str, str, str]:
    """(colour, dash, symbol) of the index-th series; dash and symbol cycle independently."""
    return (COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)],
            SYMBOLS[index % len(SYMBOLS)])


def base_layout(*, x_title: str, y_title: str, height: int = 420) -> dict[str, Any]:
    x_title, y_title = plotly_text(x_title), plotly_text(y_title)
    return {
        "font": FONT, "height": height, "separators": ",.",
        "margin": {"l": 70, "r": 150, "t": 20, "b": 60},
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "xaxis": {"title": {"text": x_title}, "type": "category", "gridcolor": "#e0e0e0",
                  "linecolor": "#535353", "automargin": True},
        "yaxis": {"title": {"text": y_title}, "zeroline": True, "zerolinecolor": "#535353",
                  "gridcolor": "#e0e0e0"},
        "legend": {"orientation": "h", "y": -0.25},
        "hovermode": "closest",
    }


def bounded_height(rows: int, *, extra: int = 80) -> int:
    """A chart's height for ``rows`` rows: room per row, but within MIN_HEIGHT-MAX_HEIGHT."""
    per_row = ROW_HEIGHT if rows <= 10 else max(MIN_ROW_HEIGHT, (MAX_HEIGHT - extra) // rows)
    return min(MAX_HEIGHT, max(MIN_HEIGHT, extra + per_row * rows))


def value_range(highs: Sequence[float | None], ceiling: float | None = None) -> list[float]:
    """The value axis of counts, rates and shares: from 0 to just above the largest upper bound.

    Never below zero (nothing shown is), never far above what is drawn (plotly's own range
    would follow a stray value), and at most ``ceiling`` (100 for a share in percent).
    """
    top = max((h for h in highs if h is not None and math.isfinite(h)), default=0.0)
    top = top * HEADROOM if top > 0 else 1.0
    if ceiling is not None:
        top = min(top, ceiling)
    return [0.0, top]


def wrap(text: str, width: int = 18) -> str:
    """``text`` (escaped for plotly already) in lines of about ``width`` characters, so an axis
    label takes height instead of the plot's width or a slant across its neighbours."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _hover_text(label: str) -> str:
    # The label is escaped for plotly already; braces would still be read as template.
    return label.replace("%", "%%").replace("{", "(").replace("}", ")")


def _hover(label: str) -> str:
    return (_hover_text(label) + "<br>%{x}: %{y:.1f}<br>95%-interval %{customdata[0]:.1f} tot "
            "%{customdata[1]:.1f}<extra></extra>")


def lines_figure(series: Sequence[Series], *, x_title: str, y_title: str,
                 bands: bool = True) -> Figure:
    """Lines with a shaded 95% band (or error bars), a marker symbol and an end label each."""
    data: list[dict[str, Any]] = []
    for i, s in enumerate(series):
        colour, dash, symbol = style(i)
        name = plotly_text(s.name)
        x, y = _texts(s.x), [_finite(v) for v in s.y]
        lower, upper = [_finite(v) for v in s.lower], [_finite(v) for v in s.upper]
        if bands and x:
            data.append({
                "type": "scatter", "mode": "lines", "x": x + x[::-1], "y": upper + lower[::-1],
                "fill": "toself", "fillcolor": _rgba(colour, 0.12), "line": {"width": 0},
                "hoverinfo": "skip", "showlegend": False, "legendgroup": name,
                "name": name,
            })
        trace: dict[str, Any] = {
            "type": "scatter", "mode": "lines+markers+text", "name": name,
            "legendgroup": name, "x": x, "y": y,
            "line": {"color": colour, "dash": dash, "width": 2},
            "marker": {"color": colour, "symbol": symbol, "size": 9},
            "text": [""] * (len(x) - 1) + [name] if x else [],
            "textposition": "middle right", "textfont": {"color": colour},
            "customdata": [[lo, hi] for lo, hi in zip(lower, upper, strict=True)],
            "hovertemplate": _hover(name), "cliponaxis": False,
        }
        if not bands:
            trace["error_y"] = {"type": "data", "symmetric": False,
                                "array": [_gap(hi, v) for v, hi in zip(y, upper, strict=True)],
                                "arrayminus": [_gap(v, lo) for v, lo in zip(y, lower, strict=True)],
                                "color": colour, "thickness": 1.5, "width": 4}
        data.append(trace)
    layout = base_layout(x_title=x_title, y_title=y_title)
    highs = [v for s in series for v in (*s.upper, *s.y)]
    layout["yaxis"]["range"] = value_range([_finite(v) for v in highs])
    return {"data": data, "layout": layout}


def heatmap_figure(rows: Sequence[str], columns: Sequence[str],
                   z: Sequence[Sequence[float | None]], labels: Sequence[Sequence[str]], *,
                   value_title: str) -> Figure:
    """Cells shaded white to blue, each annotated with its label (number and marks).

    Row and column names are wrapped into short lines: a column name never slants over its
    neighbours or off the chart, and a row name leaves the cells their width on a phone. Keep
    the longer list (the categories) as the rows: rows grow downwards, within MAX_HEIGHT.
    """
    rows = [wrap(r, 26) for r in _texts(rows)]
    columns = [wrap(c, 16) for c in _texts(columns)]
    finite = [v for row in z for v in row if v is not None]
    top = max(max(finite, default=0.0), 1e-9)
    annotations = []
    for r, row in enumerate(z):
        for c, value in enumerate(row):
            dark = value is not None and max(value, 0.0) / top > 0.55
            annotations.append({
                "x": columns[c], "y": rows[r], "text": plotly_text(labels[r][c]), "showarrow": False,
                "font": {"color": "#ffffff" if dark else "#1a1a1a", "size": 12},
            })
    header = 30 + 16 * max((c.count("<br>") + 1 for c in columns), default=1)
    layout = base_layout(x_title="", y_title="",
                         height=bounded_height(len(rows), extra=header + 40))
    layout["xaxis"] = {"type": "category", "side": "top", "tickangle": 0, "automargin": True}
    layout["yaxis"] = {"type": "category", "autorange": "reversed", "automargin": True}
    layout["margin"] = {"l": 20, "r": 20, "t": header, "b": 20}
    layout["annotations"] = annotations
    layout["meta"] = {"narrow": _narrow_heatmap_layout(columns, layout["xaxis"], layout["yaxis"])}
    return {
        "data": [{
            "type": "heatmap", "x": columns, "y": rows,
            "z": [[None if v is None else _finite(max(v, 0.0)) for v in row] for row in z],
            "zmin": 0, "zmax": top, "colorscale": [[0, "#ffffff"], [1, "#154273"]],
            # No colour bar: every cell carries its number, and plotly.js draws the bar with
            # style attributes, which the Content-Security-Policy blocks.
            "xgap": 2, "ygap": 2, "showscale": False,
            "hovertemplate": "%{y}<br>%{x}: %{z:.1f} " + _hover_text(plotly_text(value_title))
                             + "<extra></extra>",
        }],
        "layout": layout,
    }


# A column's short name on a phone: the code that ends it, as in "DG Beleid (BFZ-DG4)".
TRAILING_CODE = re.compile(r"\(([^()<>]{1,16})\)$")


def short_column(label: str) -> str:
    """The code at the end of a column's name (``wrap`` applied), else the name on one line."""
    flat = label.replace("<br>", " ")
    found = TRAILING_CODE.search(flat)
    return found.group(1) if found else flat


def _narrow_heatmap_layout(columns: Sequence[str], xaxis: dict[str, Any],
                           yaxis: dict[str, Any]) -> dict[str, Any]:
    """The heat map's axes on a phone (dashboard.js applies ``meta.narrow`` below 560 px):
    seven DG names side by side leave each column under 25 px, and their wrapped names lay on
    top of each other. There each column is headed by its code, standing on end (the full name
    is in the hover text and in the table beside the chart), and the row names are a size
    smaller, which leaves the cells a little more width."""
    return {"xaxis": {**xaxis, "tickmode": "array", "tickvals": list(columns),
                      "ticktext": [short_column(c) for c in columns], "tickangle": -90},
            "yaxis": {**yaxis, "tickfont": {"size": 11}}}


@dataclass(frozen=True)
class IntervalRow:
    label: str
    value: float
    lower: float
    upper: float
    own: bool
    """The organisation's own figure (drawn as a filled diamond) rather than a reference."""
    text: str | None = None
    """The label at the marker; the value with one decimal when not given."""
    too_uncertain: bool = False
    """Drawn as its range only, labelled "te onzeker", without a marker at a value."""

    @classmethod
    def shown(cls, label: str, reading: Reading, own: bool = True) -> IntervalRow:
        """A figure as the display rule shows it (``analytics.reading``): the same number, or
        "te onzeker", as its table."""
        return cls(label, reading.value, reading.lower, reading.upper, own, reading.number,
                   reading.too_uncertain)


def intervals_figure(rows: Sequence[IntervalRow], *, x_title: str,
                     names: tuple[str, str], ceiling: float | None = None) -> Figure:
    """One horizontal line per row: the figure as a marker, its interval or range as a bar.

    ``names`` are the legend names of the own figures and of the references. A row that is
    too uncertain (``IntervalRow.too_uncertain``) gets no marker at a value, only its range
    with the words "te onzeker", as in its table. ``ceiling`` caps the value axis (100 for a
    share in percent).
    """
    data = []
    for own in (True, False):
        colour = "#154273" if own else "#535353"
        chosen = [r for r in rows if r.own == own and not r.too_uncertain]
        unsure = [r for r in rows if r.own == own and r.too_uncertain]
        name = plotly_text(names[0] if own else names[1])
        if chosen:
            data.append(_values_trace(chosen, name, own, colour))
        if unsure:
            data.append(_ranges_trace(unsure, name, colour))
    layout = base_layout(x_title=x_title, y_title="", height=bounded_height(len(rows)))
    layout["xaxis"] = {"title": {"text": plotly_text(x_title)},
                       "range": value_range([_finite(r.upper) for r in rows]
                                            + [_finite(r.value) for r in rows], ceiling),
                       "gridcolor": "#e0e0e0", "zeroline": True, "automargin": True}
    # The rows in their own order (taxonomy, periods), whichever trace draws them.
    layout["yaxis"] = {"type": "category", "autorange": "reversed", "automargin": True,
                       "categoryorder": "array", "categoryarray": _texts([r.label for r in rows])}
    layout["margin"] = {"l": 20, "r": 30, "t": 20, "b": 60}
    return {"data": data, "layout": layout}


def _values_trace(chosen: Sequence[IntervalRow], name: str, own: bool,
                  colour: str) -> dict[str, Any]:
    """The figures shown at a value: a marker with its interval as a bar."""
    return {
        "type": "scatter", "mode": "markers+text", "orientation": "h", "name": name,
        "x": [_finite(r.value) for r in chosen], "y": _texts([r.label for r in chosen]),
        "text": [plotly_text(r.text) if r.text is not None else nl_number(r.value, 1)
                 for r in chosen],
        "textposition": "top center",
        # A label centred on a value near the axis' end would be cut at the plot's edge
        # ("1,58" shown as ",58"); the margins leave room for it outside the plot.
        "cliponaxis": False,
        "marker": {"symbol": "diamond" if own else "line-ns-open", "size": 12,
                   "color": "#154273" if own else "#1a1a1a", "line": {"width": 2}},
        "error_x": {"type": "data", "symmetric": False,
                    "array": [_finite(r.upper - r.value) for r in chosen],
                    "arrayminus": [_finite(r.value - r.lower) for r in chosen],
                    "thickness": 2, "width": 6, "color": colour},
        "hovertemplate": "%{y}: %{x:.2f}<extra></extra>",
    }


def _ranges_trace(unsure: Sequence[IntervalRow], name: str, colour: str) -> dict[str, Any]:
    """The figures too uncertain to show: their range only, with the words "te onzeker"."""
    return {
        "type": "scatter", "mode": "markers+text", "orientation": "h",
        "name": f"{name}: {TOO_UNCERTAIN} (alleen de marge)",
        # a tick at the lower end and the bar up to the upper end: no value drawn
        "x": [_finite(r.lower) for r in unsure], "y": _texts([r.label for r in unsure]),
        "text": [TOO_UNCERTAIN] * len(unsure), "textposition": "top right",
        "marker": {"symbol": "line-ns-open", "size": 12, "color": colour,
                   "line": {"width": 2}},
        "error_x": {"type": "data", "symmetric": False,
                    "array": [_finite(r.upper - r.lower) for r in unsure],
                    "arrayminus": [0.0] * len(unsure), "thickness": 2, "width": 6,
                    "color": colour},
        "customdata": [_finite(r.upper) for r in unsure],
        "hovertemplate": f"%{{y}}: {TOO_UNCERTAIN}, %{{x:.2f}} tot "
                         "%{customdata:.2f}<extra></extra>",
    }


def bars_figure(labels: Sequence[str], values: Sequence[float], lower: Sequence[float],
                upper: Sequence[float], *, width: int = 520) -> Figure:
    """Horizontal bars with their 95% interval, one per row in the rows' own order: the
    printable report's chart beside each of its tables (values as shown, never below zero)."""
    return {
        "data": [{
            "type": "bar", "orientation": "h", "x": [_finite(v) for v in values],
            "y": _texts(labels),
            "error_x": {"type": "data", "symmetric": False,
                        "array": [_finite(hi - v) for v, hi in zip(values, upper, strict=True)],
                        "arrayminus": [_finite(v - lo)
                                       for v, lo in zip(values, lower, strict=True)]},
        }],
        "layout": {"height": 120 + 28 * len(labels), "width": width, "separators": ",.",
                   "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
                   "yaxis": {"autorange": "reversed", "automargin": True}},
    }


def _finite(value: float) -> float | None:
    # JSON has no NaN or infinity; plotly leaves a gap for null.
    return float(value) if math.isfinite(value) else None


def _gap(high: float | None, low: float | None) -> float | None:
    return None if high is None or low is None else high - low
