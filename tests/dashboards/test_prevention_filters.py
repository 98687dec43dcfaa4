"""Dashboard filters: each one changes the figures, and a wrong one is a Dutch 422 page."""

from __future__ import annotations

import pytest

from tests.dashboards import test_prevention_pages as pages
from tests.dashboards.test_prevention_pages import EARLIER, MONTH, figures, period

# The shared fixtures: a preventiemedewerker of MIN-A signed in, two published months.
officer = pages.officer
published = pages.published


def trend(client, **extra: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    html = client.get("/dashboard/" + period(**extra)).get_data(as_text=True)
    return figures(html)["trend-aantal"]


def lines(figure: dict) -> dict[str, list]:  # type: ignore[type-arg]
    return {t["name"]: t["y"] for t in figure["data"] if t["mode"] != "lines"}


def test_a_unit_narrows_the_figures_to_its_subtree(client, officer, published):
    cells = {(c["unit"], c["category"]): c["estimate"] for c in
             published[MONTH].result["tables"]["contacts_unit_category"]["cells"]}
    whole = lines(trend(client, category="pesten"))["Pesten"]
    dg1 = lines(trend(client, category="pesten", unit="MIN-A-DG1"))["Pesten"]
    expected = sum(cells[(u, "pesten")] for u in ("MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2"))
    assert dg1[-1] == expected
    assert whole[-1] == expected + cells[("MIN-A", "pesten")] + cells[("MIN-A-DG2", "pesten")]
    heat = figures(client.get("/dashboard/eenheden" + period(unit="MIN-A-DG1"))
                   .get_data(as_text=True))["heatmap"]
    assert [row.split("(")[-1].rstrip(")") for row in heat["data"][0]["y"]] == [
        "MIN-A-DG1", "MIN-A-DG1-D1", "MIN-A-DG1-D2"]


def test_categories_choose_the_lines(client, officer, published):
    assert set(lines(trend(client, category="pesten"))) == {"Pesten"}
    html = client.get("/dashboard/?category=pesten&category=discriminatie&from="
                      f"{EARLIER}&to={MONTH}").get_data(as_text=True)
    assert set(lines(figures(html)["trend-aantal"])) == {"Pesten", "Discriminatie"}
    default = lines(trend(client))
    assert len(default) == 5  # without a choice: the five categories with the most contacts


def test_grain_and_period_change_the_periods(client, officer, published):
    monthly = trend(client, category="pesten")
    assert monthly["data"][1]["x"] == [str(EARLIER), str(MONTH)]
    yearly = trend(client, category="pesten", grain="year")
    years = sorted({str(EARLIER.year), str(MONTH.year)})
    assert yearly["data"][1]["x"] == years
    if len(years) == 1:
        assert yearly["data"][1]["y"] == [sum(monthly["data"][1]["y"])]
    one = figures(client.get(f"/dashboard/?category=pesten&from={MONTH}&to={MONTH}")
                  .get_data(as_text=True))["trend-aantal"]
    assert one["data"][1]["x"] == [str(MONTH)]
    assert one["data"][1]["y"] == monthly["data"][1]["y"][-1:]


def test_the_reference_changes_the_comparison(client, officer, published):
    def funnel_table(reference: str) -> str:
        html = client.get("/dashboard/vergelijking" + period(reference=reference))
        return html.get_data(as_text=True).split('id="tabel-trechter"')[1].split("</table>")[0]

    assert funnel_table("peers") != funnel_table("organisation")


@pytest.mark.parametrize(("query", "field", "words"), [
    ("from=2025-13&to=2025-12", "from", "geen maand"),
    ("from=januari&to=2025-12", "from", "JJJJ-MM"),
    ("from=2025-01&to=gisteren", "to", "geen maand"),
    ("from=2025-06&to=2025-01", "from", "na de eindmaand"),
    ("from=2001-01&to=2025-12", "from", "hoogstens"),
    ("grain=week", "grain", "per kwartaal"),
    ("reference=buren", "reference", "hetzelfde niveau"),
    ("unit=MIN-B-D1", "unit", "hoort niet bij"),
    ("unit=BESTAAT-NIET", "unit", "hoort niet bij"),
    ("unit=MIN-A-DG1-D2-T1", "unit", "te klein"),
    ("category=geen", "category", "Onbekende categorie"),
    ("organisation=MIN-X", "organisation", "organisatie uit de lijst"),
])
def test_a_wrong_filter_is_a_dutch_422_page_that_keeps_the_form(client, officer, published,
                                                                query, field, words):
    for url in ("/dashboard/", "/dashboard/eenheden", "/dashboard/vergelijking",
                "/dashboard/opvolging"):
        response = client.get(f"{url}?{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 422, (url, html[-2000:])
        assert words in html
        assert f'href="#f-{field}"' in html and f'id="f-{field}"' in html
        assert 'type="application/json"' not in html  # no figures for wrong filters
    csv = client.get(f"/dashboard/cijfers/heatmap.csv?{query}")
    assert csv.status_code == 422


def test_a_wrong_month_is_shown_back_as_typed(client, officer, published):
    html = client.get("/dashboard/?from=2025-1x&to=2025-12").get_data(as_text=True)
    assert 'value="2025-1x"' in html and 'aria-invalid="true"' in html
