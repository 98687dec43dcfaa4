"""Dashboard filters: each page offers the filters it applies, they change the figures, and a
wrong one is a Dutch 422 page."""

from __future__ import annotations

import re

import pytest

from dashboards.prevention.filters import PAGE_FILTERS
from registry.accounts import Role
from tests.dashboards import test_prevention_pages as pages
from tests.dashboards.test_prevention_pages import END, figures, period

# The shared fixtures: the demo Rijk with the plan published, an officer of BB signed in.
officer = pages.officer
published = pages.published


PAGE_URLS = {"/dashboard/": "trends", "/dashboard/eenheden": "units",
             "/dashboard/vergelijking": "benchmarks", "/dashboard/opvolging": "follow_up"}


@pytest.fixture
def small_officer(login):  # type: ignore[no-untyped-def]
    return login(Role.PREVENTION_OFFICER, "MIN-A")


def trend(client, **extra: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    html = client.get("/dashboard/" + period(**extra)).get_data(as_text=True)
    return figures(html)["trend-aantal"]


def test_grain_and_period_change_the_periods(client, officer):
    quarters = trend(client, grain="quarter")["data"][1]["x"]
    assert quarters[:5] == [f"{END.year - 1}-Q{q}" for q in (1, 2, 3, 4)] + [f"{END.year}-Q1"]
    years = trend(client, grain="year")["data"][1]["x"]
    assert years == [str(END.year - 1), str(END.year)]
    one = figures(client.get(f"/dashboard/?from={END}&to={END}").get_data(as_text=True))
    assert one["trend-aantal"]["data"][1]["x"] == [str(END)]


def test_chosen_categories_are_the_columns_in_taxonomy_order(client, officer):
    html = client.get("/dashboard/eenheden" + period(category="pesten") + "&category=intimidatie"
                      ).get_data(as_text=True)
    heat = figures(html)["dg-categorie"]["data"][0]
    assert heat["x"] == ["Pesten", "Intimidatie"] or len(heat["x"]) == 2


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
def test_a_wrong_filter_is_a_dutch_422_page_that_keeps_the_form(client, small_officer, query,
                                                                field, words):
    # Only where the page offers the filter: elsewhere the value cannot be corrected on the
    # page, so it is not checked there (and falls back to its default).
    for url, page in PAGE_URLS.items():
        response = client.get(f"{url}?{query}")
        html = response.get_data(as_text=True)
        if field not in PAGE_FILTERS[page]:
            assert response.status_code == 200, (url, html[-2000:])
            assert f'id="f-{field}"' not in html and words not in html
            continue
        assert response.status_code == 422, (url, html[-2000:])
        assert words in html
        assert f'href="#f-{field}"' in html and f'id="f-{field}"' in html
        assert 'type="application/json"' not in html  # no figures for wrong filters
    csv = client.get(f"/dashboard/cijfers/dg-categorie.csv?{query}")
    assert (csv.status_code == 422) == (field in PAGE_FILTERS["units"])


@pytest.mark.parametrize(("url", "offered"), [
    ("/dashboard/", {"grain"}),
    ("/dashboard/eenheden", {"unit", "category"}),
    ("/dashboard/vergelijking", {"unit", "category", "reference"}),
    ("/dashboard/opvolging", set()),
])
def test_each_page_offers_only_the_filters_it_applies(client, officer, url, offered):
    html = client.get(url + period(unit="BB-DG2", grain="quarter", reference="organisation")
                      + "&category=pesten").get_data(as_text=True)
    for name in ("unit", "grain", "reference", "category"):
        assert (f'id="f-{name}"' in html) == (name in offered), name
    # What is not offered is said so, in one sentence, and kept for the other pages.
    assert ("Op deze pagina niet te kiezen" in html) == (len(offered) < 4)
    assert 'name="unit" value="BB-DG2"' in html or "unit" in offered
    assert 'name="grain" value="quarter"' in html or "grain" in offered


def heat_rows(html: str) -> list[str]:
    return list(figures(html)["dg-categorie"]["data"][0]["x"])


def test_the_unit_filter_narrows_the_dg_rows_to_the_unit(client, officer):
    everything = client.get("/dashboard/eenheden" + period()).get_data(as_text=True)
    assert len(heat_rows(everything)) == 2  # BB-DG2 and the rest of BB
    dg = client.get("/dashboard/eenheden" + period(unit="BB-DG2")).get_data(as_text=True)
    assert [r.replace("<br>", " ") for r in heat_rows(dg)] == [
        "DG Strategie en Kennis (BB-DG2)"]
    assert "Zaken per categorie in DG Strategie en Kennis (BB-DG2)," in dg
    assert figures(dg)["categorie-jaar"] != figures(everything)["categorie-jaar"]
    # A unit inside a DG row: that whole row, and a sentence that says so.
    inside = client.get("/dashboard/eenheden" + period(unit="BB-DG2-D2")).get_data(as_text=True)
    assert heat_rows(inside) == heat_rows(dg) and "hoort bij DG Strategie en Kennis" in inside
    # A unit outside the large DGs: the rest row.
    rest = client.get("/dashboard/eenheden" + period(unit="BB-DG1")).get_data(as_text=True)
    assert len(heat_rows(rest)) == 1 and "Rest van" in heat_rows(rest)[0]
    assert "valt buiten die DG" in rest


def compared_rows(html: str) -> tuple[dict[str, str], set[str]]:
    """The rows drawn in the DG comparison (each with its legend name), and every row compared:
    drawn, or named under the chart as too uncertain to draw (which rows are depends on the
    noise of the release)."""
    # A too-uncertain row drawn by its margin is in a trace named "DG: te onzeker (...)".
    drawn = {y.replace("<br>", " "): trace["name"].split(": te onzeker", 1)[0]
             for trace in figures(html)["dg-vergelijking"]["data"] for y in trace["y"]}
    unsure = re.search(r"cijfer zelf\): (.*?)\. De tabel geeft de marge", html)
    return drawn, set(drawn) | (set(unsure.group(1).split(", ")) if unsure else set())


def test_the_reference_and_the_unit_change_the_comparison(client, officer):
    def page(**extra: str) -> tuple[dict[str, str], set[str]]:
        return compared_rows(client.get("/dashboard/vergelijking" + period(**extra)
                                        ).get_data(as_text=True))

    whole = "Hele organisatie"
    dg, rest = "DG Strategie en Kennis (BB-DG2)", "Rest van Ministerie van Buitenlandse " \
        "Betrekkingen (BB)"
    # Same level (the default): the DG rows beside each other.
    drawn, rows = page()
    assert rows == {dg, rest} and set(drawn.values()) <= {"DG"}
    # Against the organisation: the whole organisation (never too uncertain) as the reference.
    drawn, rows = page(reference="organisation")
    assert rows == {whole, dg, rest} and drawn[whole] == whole
    assert {drawn[r] for r in drawn if r != whole} <= {"DG"}
    # A unit: its row beside the whole organisation, or beside its peers.
    drawn, rows = page(reference="organisation", unit="BB-DG2")
    assert rows == {whole, dg}
    drawn, rows = page(unit="BB-DG2")
    assert rows == {dg, rest}
    assert drawn.get(dg, "Gekozen eenheid") == "Gekozen eenheid"
    assert drawn.get(rest, "Andere DG's") == "Andere DG's"
    drawn, rows = page(reference="organisation", unit="BB-DG1")
    assert rows == {whole, rest}
    html = client.get("/dashboard/vergelijking" + period(reference="organisation", unit="BB-DG1")
                      ).get_data(as_text=True)
    assert "valt buiten die DG" in html


def test_the_whole_organisation_is_one_figure_on_the_comparison_page(client, officer):
    html = client.get("/dashboard/vergelijking" + period(reference="organisation")
                      ).get_data(as_text=True)
    found = figures(html)
    whole = next(t for t in found["dg-vergelijking"]["data"] if t["name"] == "Hele organisatie")
    own = found["extern"]["data"][0]
    assert own["y"][0].startswith("Uw organisatie")
    assert own["x"][0] == pytest.approx(whole["x"][0], rel=1e-12)
    assert own["text"][0] == whole["text"][0]
    assert "bredere marge" in html  # and why its interval is wider there


def test_a_wrong_month_is_shown_back_as_typed(client, small_officer):
    html = client.get("/dashboard/?from=2025-1x&to=2025-12").get_data(as_text=True)
    assert 'value="2025-1x"' in html and 'aria-invalid="true"' in html
