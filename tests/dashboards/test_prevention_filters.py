"""Dashboard filters: period and grain change the figures, and a wrong one is a Dutch 422 page."""

from __future__ import annotations

import pytest

from registry.accounts import Role
from tests.dashboards import test_prevention_pages as pages
from tests.dashboards.test_prevention_pages import END, figures, period

# The shared fixtures: the demo Rijk with the plan published, an officer of BB signed in.
officer = pages.officer
published = pages.published


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
    for url in ("/dashboard/", "/dashboard/eenheden", "/dashboard/vergelijking",
                "/dashboard/opvolging"):
        response = client.get(f"{url}?{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 422, (url, html[-2000:])
        assert words in html
        assert f'href="#f-{field}"' in html and f'id="f-{field}"' in html
        assert 'type="application/json"' not in html  # no figures for wrong filters
    csv = client.get(f"/dashboard/cijfers/dg-categorie.csv?{query}")
    assert csv.status_code == 422


def test_a_wrong_month_is_shown_back_as_typed(client, small_officer):
    html = client.get("/dashboard/?from=2025-1x&to=2025-12").get_data(as_text=True)
    assert 'value="2025-1x"' in html and 'aria-invalid="true"' in html
