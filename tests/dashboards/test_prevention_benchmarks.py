"""The DG comparison chart: a row too uncertain to show does not set the axis, labels fit."""

from __future__ import annotations

from analytics.intervals import Estimate
from analytics.reading import Kind, display
from dashboards.prevention.benchmarks import BenchmarkSection, dg_chart


def section(reference: str = "organisation") -> BenchmarkSection:
    """As on BFZ's page in the walkthrough: DG rates 1.6-4.6 and a rest row of 55 FTE whose
    interval runs to about 127 (its noise is far larger than its value)."""
    rate = [("Hele organisatie", 12000.0, Estimate(2.68, 0.0086), False),
            ("DG Een (BFZ-DG1)", 4000.0, Estimate(1.58, 0.05), True),
            ("DG Twee (BFZ-DG5)", 7945.0, Estimate(4.6, 0.08), True),
            ("Rest van BFZ (BFZ)", 55.0, Estimate(10.0, 1200.0), True)]
    return BenchmarkSection(None, (), 2025, "alle categorieën samen",
                            tuple((name, fte, display(e, Kind.RATE), own)
                                  for name, fte, e, own in rate), (), reference)


def test_a_too_uncertain_row_is_named_not_drawn_and_does_not_set_the_axis() -> None:
    drawn = dg_chart(section())
    assert drawn is not None
    rows = [y for trace in drawn.figure["data"] for y in trace["y"]]
    assert "Rest van BFZ (BFZ)" not in rows and len(rows) == 3
    low, high = drawn.figure["layout"]["xaxis"]["range"]
    assert low == 0 and 4.6 < high < 6  # the DG rates fill the chart
    assert any("te onzeker" in note and "Rest van BFZ (BFZ)" in note for note in drawn.notes)
    # ... and it stays in the table, with its margin.
    assert [r[0] for r in drawn.table.rows][-1] == "Rest van BFZ (BFZ)"


def test_value_labels_are_not_cut_at_the_plots_edge() -> None:
    drawn = dg_chart(section())
    assert drawn is not None
    labelled = [t for t in drawn.figure["data"] if "text" in t]
    assert labelled and all(t["cliponaxis"] is False for t in labelled)
    assert "1,58" in [text for t in labelled for text in t["text"]]


def test_nothing_too_uncertain_needs_no_note() -> None:
    clear = section()
    clear = BenchmarkSection(None, (), 2025, clear.label, clear.rates[:3], (), "peers")
    drawn = dg_chart(clear)
    assert drawn is not None and drawn.notes == ()


def test_when_every_row_is_too_uncertain_all_are_drawn_by_their_margin() -> None:
    # Leaving them all out would draw an empty chart; with none clear, none squashes another.
    unsure = tuple((name, fte, display(Estimate(1.0, 25.0), Kind.RATE), own)
                   for name, fte, _rate, own in section().rates)
    drawn = dg_chart(BenchmarkSection(None, (), 2025, "pesten", unsure, (), "peers"))
    assert drawn is not None and drawn.figure["data"] and drawn.notes == ()
    rows = {y for trace in drawn.figure["data"] for y in trace["y"]}
    assert rows == {name for name, *_rest in unsure}
