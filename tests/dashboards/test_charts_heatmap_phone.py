"""The heat map "Zaken per DG en categorie" on a phone: seven DG names side by side left each
column under 25 px at 375 px and their headers lay on top of each other. The figure says how it
is drawn there (layout.meta.narrow, applied by dashboard.js below 560 px): each column headed by
its code, standing on end; on a laptop the wrapped full names stay."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboards.charts import heatmap_figure
from dashboards.charts.figures import short_column, wrap

DGS = ["DG Strategie en Kennis (BFZ-DG1)", "DG Dienstverlening (BFZ-DG2)",
       "DG Handhaving (BFZ-DG3)", "DG Beleid (BFZ-DG4)", "DG Uitvoering (BFZ-DG5)",
       "DG Toezicht (BFZ-DG6)", "Rest van Ministerie van Belastingen en Financiële Zaken (BFZ)"]
CATEGORIES = ["Pesten", "Intimidatie", "Ongewenste omgangsvormen (niet nader ingedeeld)"]


def heat_map(columns: list[str]) -> dict:  # type: ignore[type-arg]
    z = [[1.0] * len(columns) for _ in CATEGORIES]
    return heatmap_figure(CATEGORIES, columns, z, [["1"] * len(columns) for _ in CATEGORIES],
                          value_title="zaken")


def test_on_a_phone_each_column_is_headed_by_its_code_standing_on_end():
    figure = heat_map(DGS)
    narrow = figure["layout"]["meta"]["narrow"]
    xaxis = narrow["xaxis"]
    assert xaxis["tickangle"] == -90
    assert xaxis["tickvals"] == figure["data"][0]["x"]
    assert xaxis["ticktext"] == ["BFZ-DG1", "BFZ-DG2", "BFZ-DG3", "BFZ-DG4", "BFZ-DG5",
                                 "BFZ-DG6", "BFZ"]
    # The rest of the axis is the laptop's: categories in order, headers on top.
    assert xaxis["type"] == "category" and xaxis["side"] == "top"
    assert narrow["yaxis"]["autorange"] == "reversed"
    # Both layouts are valid plotly, as the page draws them.
    go.Figure(figure)
    go.Figure({"data": figure["data"], "layout": {**figure["layout"], **narrow}})


def test_on_a_laptop_the_full_names_stay_wrapped_and_level():
    xaxis = heat_map(DGS)["layout"]["xaxis"]
    assert xaxis["tickangle"] == 0
    assert "tickvals" not in xaxis and "ticktext" not in xaxis


def test_a_name_without_a_code_is_headed_by_the_whole_name_on_one_line():
    assert short_column(wrap("Rest van de organisatie", 16)) == "Rest van de organisatie"
    assert short_column(wrap("DG Beleid (BFZ-DG4)", 16)) == "BFZ-DG4"
    # A bracket inside a name is no code.
    assert short_column(wrap("Team (oud) Noord", 16)) == "Team (oud) Noord"
