"""Names typed in by administrators (units, organisations) never become markup in a chart.

plotly.js reads ``<a href>``, ``<b>``, ``<br>`` and ``<span style>`` in every label, legend
entry, tick, annotation and hover text, so a unit named ``<a href="https://x">Inkoop</a>`` was
drawn as a link. Every text now goes in escaped; the only markup in a figure is the product's
own (``<br>`` and ``<extra>`` in hover templates).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dashboards.charts import (
    IntervalRow,
    Series,
    figure_json,
    heatmap_figure,
    intervals_figure,
    lines_figure,
    plotly_text,
)

HOSTILE = ('<a href="https://aanvaller.example/">Inkoop</a>', "<b>Vet</b> & <br>",
           '<span style="font-size:90px">Groot</span>', "R&amp;D", "a < b > c")
OWN_MARKUP = re.compile(r"<br>|</?extra>")


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


def figures(names: tuple[str, ...]) -> list[dict[str, Any]]:
    first = names[0]
    return [
        lines_figure([Series(n, [first, "2025-02"], [1.0, 2.0], [0.5, 1.5], [1.5, 2.5])
                      for n in names], x_title=first, y_title=first),
        heatmap_figure(list(names), [first, "x"], [[1.0, None] for _ in names],
                       [[n, "1"] for n in names], value_title=first),
        intervals_figure([IntervalRow(n, 1.0, 0.5, 1.5, own=i % 2 == 0, text=n,
                                      too_uncertain=i % 3 == 2) for i, n in enumerate(names)],
                         x_title=first, names=(first, first)),
    ]


def assert_plain(figure: dict[str, Any], names: tuple[str, ...]) -> None:
    texts = strings(figure)
    for text in texts:
        assert "<" not in OWN_MARKUP.sub("", text), text
    # Each name is still there, as plotly will show it once it has decoded the entities.
    shown = {html.unescape(OWN_MARKUP.sub("", t)) for t in texts}
    for name in names:
        assert any(name in text for text in shown), name
    json.loads(figure_json(figure))


def test_hostile_names_are_text_in_every_kind_of_chart():
    for figure in figures(HOSTILE):
        assert_plain(figure, HOSTILE)


@given(st.lists(st.text(min_size=1, max_size=30).filter(lambda t: t.strip()), min_size=1,
                max_size=4, unique=True))
def test_any_name_is_shown_as_typed_and_never_as_markup(names):
    for figure in figures(tuple(names)):
        assert_plain(figure, tuple(names))


@given(st.text())
def test_plotly_text_round_trips_through_plotlys_entities(text):
    escaped = plotly_text(text)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text
