"""CSV downloads of the dashboard's charts, and the shared chart helpers behind them."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import plotly.graph_objects as go
import pytest

from analytics.intervals import Estimate
from analytics.reading import display
from dashboards.charts import (
    ChartTable,
    Column,
    IntervalRow,
    Series,
    csv_cell,
    csv_text,
    figure_json,
    heatmap_figure,
    intervals_figure,
    lines_figure,
    safe_filename,
)
from tests.dashboards import test_prevention_pages as pages
from tests.dashboards.test_prevention_pages import END, ORG, period

officer = pages.officer
published = pages.published


def rows_of(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("chart", ["trend-aantal", "trend-per-100-fte", "kwartalen",
                                   "categorie-jaar", "dg-categorie", "dg-vergelijking", "extern",
                                   "opvolging"])
def test_every_chart_downloads_as_csv_with_its_interval(client, officer, chart):
    response = client.get(f"/dashboard/cijfers/{chart}.csv" + period())
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition == (f'attachment; filename="preventie-{chart}-{ORG}-'
                           f'{END.year - 1}-01-{END}.csv"')
    rows = rows_of(response)
    assert len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows)
    assert any("95%" in label or label in ("Van", "Tot") for label in rows[0])


def test_the_csv_holds_the_figures_of_the_page(client, officer, services):
    from dashboards.published import plan_year

    months = dict(plan_year(services, END.year).monthly(ORG))
    rows = rows_of(client.get(f"/dashboard/cijfers/trend-aantal.csv?from={END}&to={END}"))
    assert rows[0][:2] == ["Periode", "Nieuwe zaken"]
    estimate = months[END]
    shown = "te onzeker" if estimate.half_width > max(estimate.value, 0) else None
    assert rows[1][0] == str(END)
    if shown:
        assert rows[1][1] == shown
    else:
        # a count is shown as a whole number (the display rule rounds it)
        assert float(rows[1][1]) == pytest.approx(estimate.value, abs=0.5)
    # the bounds as on every page and in the council's downloads: clamped, rounded outward
    reading = display(estimate)
    assert rows[1][2:4] == [str(math.floor(max(estimate.lower, 0))),
                            str(math.ceil(max(estimate.value, 0) + estimate.half_width))]
    assert reading.interval_text == f"tussen {rows[1][2]} en {rows[1][3]}"


def test_no_caption_or_header_shows_a_doubled_percent_sign(client, officer):
    # gettext formats only when given variables: a bare "95%%" would reach the page as is
    # (/dashboard/eenheden is under redesign: its caption is reported to its author)
    for url in [p for p in pages.PAGES if p != "/dashboard/eenheden"]:
        html = client.get(url + period()).get_data(as_text=True)
        assert "%%" not in html, url
        for chart in re.findall(r'/dashboard/cijfers/([a-z0-9-]+)\.csv', html):
            text = client.get(f"/dashboard/cijfers/{chart}.csv" + period()).get_data(as_text=True)
            assert "%%" not in text, chart


def test_an_unknown_chart_is_404_and_nothing_published_is_404(client, officer):
    assert client.get("/dashboard/cijfers/wachtwoorden.csv").status_code == 404
    assert client.get("/dashboard/cijfers/dg-categorie.csv?from=2001-01&to=2001-12"
                      ).status_code == 404


def test_spreadsheet_formulas_are_neutralised_but_numbers_stay_numbers():
    table = ChartTable("t", (Column("=naam"), Column("waarde", 1)), (
        ("=HYPERLINK(\"http://x\")", -3.25), ("+1", 2), ("-2", None), ("@SUM(A1)", 0.5),
        ("\tx", 1.0), ("gewoon", -0.04)))
    rows = list(csv.reader(io.StringIO(csv_text(table)[1:])))
    assert rows[0] == ["'=naam", "waarde"]
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)",
                                        "'\tx", "gewoon"]
    assert [r[1] for r in rows[1:]] == ["-3.2", "2", "", "0.5", "1.0", "0.0"]
    assert csv_cell(True) == "ja" and csv_cell(None) == ""


def test_a_too_uncertain_row_is_drawn_as_its_range_only_in_its_own_order():
    rows = [IntervalRow.shown("Q1", display(Estimate(40.0, 25.0))),
            IntervalRow.shown("Q2", display(Estimate(-9.0, 16.0))),  # te onzeker
            IntervalRow.shown("Q3", display(Estimate(30.0, 25.0)))]
    figure = intervals_figure(rows, x_title="zaken", names=("own", "ref"))
    go.Figure(json.loads(figure_json(figure)))
    values, unsure = figure["data"]
    assert values["y"] == ["Q1", "Q3"] and values["text"] == ["40", "30"]  # as in the table
    assert unsure["y"] == ["Q2"] and unsure["text"] == ["te onzeker"]
    assert unsure["x"] == [0.0] and unsure["error_x"]["array"] == [pytest.approx(1.96 * 4, abs=0.01)]
    assert figure["layout"]["yaxis"]["categoryarray"] == ["Q1", "Q2", "Q3"]


def test_filenames_keep_only_safe_characters():
    assert safe_filename("preventie", 'a"b\r\nc', "../../etc") == "preventie-a_b_c-etc.csv"
    assert safe_filename("", "") == "download.csv"


def test_figure_json_cannot_close_its_script_element():
    text = figure_json({"data": [{"name": "</script><script>alert(1)</script>&"}]})
    assert "</script" not in text and "<" not in text and "&" not in text
    assert json.loads(text)["data"][0]["name"].startswith("</script>")


def test_every_figure_is_valid_plotly_and_readable_without_colour():
    series = [Series(f"s{i}", ["2026-01", "2026-02"], [1.0, float("nan")], [0.0, float("nan")],
                     [2.0, float("nan")]) for i in range(7)]
    figures = [
        lines_figure(series, x_title="x", y_title="y"),
        lines_figure(series, x_title="x", y_title="y", bands=False),
        heatmap_figure(["a", "b"], ["c"], [[1.0], [None]], [["1,0 ⚑"], ["–"]], value_title="v"),
        intervals_figure([IntervalRow("own", 2.0, 1.0, 3.0, True),
                          IntervalRow("ref", 1.5, 1.5, 1.5, False)], x_title="x",
                         names=("own", "ref")),
    ]
    for figure in figures:
        go.Figure(json.loads(figure_json(figure)))  # valid JSON (no NaN) and valid plotly
    lines = [t for t in figures[0]["data"] if t["mode"] != "lines"]
    styles = {(t["line"]["dash"], t["marker"]["symbol"]) for t in lines}
    assert len(styles) == len(lines)  # no two series differ by colour only
    assert all(t["text"][-1] == t["name"] for t in lines)
    assert [a["text"] for a in figures[2]["layout"]["annotations"]] == ["1,0 ⚑", "–"]
